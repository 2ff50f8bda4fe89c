import FalProtocol
import Foundation
import Testing

@testable import FalEmulator

/// Where the emulator meets a key: the echo fault that quotes it back, the key it guards jobs with,
/// and the renderer it starts without it.
@Suite struct KeyExposureTests {
  @Test("with echoRequestHeaders every error answer quotes the request's headers, Authorization included")
  func errorBodiesEchoRequestHeaders() async throws {
    try await withEmulator(expectedKey: Curl.key, faults: FaultInjection(echoRequestHeaders: true), overTheWire: true) {
      emulator, base in
      let refused = try await Curl.request(
        "POST", "\(base)/fal-ai/magi-distilled", auth: false, headers: ["Authorization": "Key wrong:echoed-secret"],
        json: quickInput)
      #expect(refused.status == 401)
      #expect(
        refused.json?["detail"]?.stringValue?.contains("Authorization: Key wrong:echoed-secret") == true,
        "\(refused.text)")
      #expect(refused.json?["request_headers"]?["Authorization"]?.stringValue == "Key wrong:echoed-secret")
      await emulator.injectFaults([.status(503), .ingress(502)], on: .submit)
      let platform = try await submit(base)
      #expect(platform.status == 503)
      #expect(
        platform.json?["detail"]?.stringValue?.hasPrefix(
          "Runner scheduling failure (request was POST /fal-ai/magi-distilled with ") == true)
      #expect(platform.text.contains(Curl.key))
      let ingress = try await submit(base)
      #expect(ingress.status == 502)
      #expect(ingress.text.contains("nginx") && ingress.text.contains(Curl.key))
      let fine = try await submit(base)
      #expect(fine.status == 200)
      #expect(!fine.text.contains(Curl.key), "answers that are not errors are left alone")
    }
  }

  @Test("without the fault, error answers quote nothing")
  func errorBodiesDoNotEchoByDefault() async throws {
    try await withEmulator(expectedKey: Curl.key, overTheWire: true) { _, base in
      let refused = try await Curl.request(
        "POST", "\(base)/fal-ai/magi-distilled", auth: false, headers: ["Authorization": "Key wrong:echoed-secret"],
        json: quickInput)
      #expect(refused.status == 401)
      #expect(!refused.text.contains("echoed-secret"))
    }
  }

  @Test("with a key, another key can neither read a job nor cancel it; a prefix of the key is no key")
  func aKeyGuardsEveryQueueCall() async throws {
    // On a clock that never moves, the job stays in the queue however long the calls take: the last
    // call's 202 says the key reads a pending job (and that no cancel above went through).
    let clock = ManualClock()
    try await withEmulator(expectedKey: Curl.key, overTheWire: true, clock: clock.clock) { _, base in
      let job = try #require(try await submit(base).json)
      let statusURL = try #require(job["status_url"]?.stringValue)
      let resultURL = try #require(job["response_url"]?.stringValue)
      let cancelURL = try #require(job["cancel_url"]?.stringValue)
      for other in ["Key other:key", "Key \(Curl.key.dropLast())", "Key \(Curl.key)x", "Bearer nope"] {
        let headers = ["Authorization": other]
        #expect(try await Curl.request("GET", statusURL, auth: false, headers: headers).status == 401)
        #expect(try await Curl.request("GET", statusURL + "/stream", auth: false, headers: headers).status == 401)
        #expect(try await Curl.request("GET", resultURL, auth: false, headers: headers).status == 401)
        #expect(try await Curl.request("PUT", cancelURL, auth: false, headers: headers).status == 401)
      }
      let status = try await Curl.request("GET", statusURL)
      #expect(status.status == 202)
      #expect(status.json?["status"] == "IN_QUEUE", "\(status.text)")
    }
  }

  @Test func secretComparisonNeedsTheWholeKey() {
    #expect(Router.sameSecret("abc", "abc"))
    #expect(!Router.sameSecret("ab", "abc"))
    #expect(!Router.sameSecret("abcd", "abc"))
    #expect(!Router.sameSecret("", "abc"))
    #expect(!Router.sameSecret("abd", "abc"))
  }

  @Test("ffmpeg and every other child start without FAL_KEY*")
  func childrenGetNoKey() async throws {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("runner-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let output = try await ProcessRunner.run(
      "/usr/bin/env", [], scratch: scratch,
      environment: [
        "FAL_KEY": "k-secret", "FAL_KEY_ID": "id", "FAL_KEY_SECRET": "s-secret", "PATH": "/usr/bin:/bin", "KEEP": "1",
      ])
    #expect(output.status == 0)
    let names = Set(output.standardOutput.split(separator: "\n").map { String($0.prefix { $0 != "=" }) })
    #expect(names == ["PATH", "KEEP"], "\(output.standardOutput)")
  }
}
