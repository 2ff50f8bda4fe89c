import FalProtocol
import Foundation
import Testing

@testable import FalEmulator

/// Every fault kind, scripted per route and consumed one per request, plus seeded random rates.
@Suite struct FaultInjectionTests {
  @Test("scripted faults on submit are consumed in order, then requests succeed; counters see every try")
  func scriptedSubmitFaults() async throws {
    try await withEmulator(overTheWire: true) { emulator, base in
      await emulator.injectFaults(
        [.status(503), .rateLimited(retryAfter: 2), .ingress(502), .dropConnection, .malformedBody, .startTimeout],
        on: .submit)
      let platform = try await submit(base)
      #expect(platform.status == 503)
      #expect(platform.header("x-fal-request-id") != nil, "platform errors carry the request id (Python won't retry)")
      #expect(platform.header("x-fal-error-type") == "runner_scheduling_failure")
      #expect(platform.json?["detail"]?.stringValue != nil)
      let limited = try await submit(base)
      #expect(limited.status == 429)
      #expect(limited.header("retry-after") == "2")
      let ingress = try await submit(base)
      #expect(ingress.status == 502)
      #expect(ingress.header("x-fal-request-id") == nil, "ingress errors omit the request id")
      #expect(ingress.text.contains("nginx"))
      let dropped = try await submit(base)
      #expect(dropped.exitCode == 52, "empty reply: curl exit \(dropped.exitCode)")
      let malformed = try await submit(base)
      #expect(malformed.status == 200)
      #expect(malformed.header("content-type") == "application/json")
      #expect(malformed.json == nil)
      let timeout = try await submit(base)
      #expect(timeout.status == 504)
      #expect(timeout.header("x-fal-request-timeout-type") == "user")
      let fine = try await submit(base)
      #expect(fine.status == 200)
      #expect(await emulator.requestCount(.submit) == 7)
      #expect(await emulator.pendingFaults(on: .submit).isEmpty)
    }
  }

  @Test("faults only hit their route: a status fault leaves submit alone")
  func faultsAreRouteScoped() async throws {
    try await withEmulator(overTheWire: true) { emulator, base in
      await emulator.injectFaults([.status(500)], on: .status)
      let job = try #require(try await submit(base).json)
      let statusURL = try #require(job["status_url"]?.stringValue)
      #expect(try await Curl.request("GET", statusURL).status == 500)
      #expect(try await Curl.request("GET", statusURL).status != 500)
      // Latency on the system clock, seen over the wire: a lower bound, which load can only lengthen.
      await emulator.injectFaults([.latency(.milliseconds(300))], on: .result)
      let clock = ContinuousClock()
      let start = clock.now
      let result = try await Curl.request("GET", try #require(job["response_url"]?.stringValue))
      #expect(clock.now - start >= .milliseconds(300))
      #expect(result.status == 200 || result.status == 202)
      let counts = await emulator.requestCounts()
      #expect(counts[.status] == 2 && counts[.submit] == 1 && counts[.result] == 1)
    }
  }

  @Test("dropStream cuts a status stream after its first event; the next stream completes")
  func droppedStream() async throws {
    // On a clock the test moves: the job cannot finish before the first stream is open (a stream
    // of a finished job ends normally after its one event, and nothing would be cut).
    let clock = ManualClock()
    try await withEmulator(workers: 1, stepDuration: .milliseconds(20), overTheWire: true, clock: clock.clock) {
      emulator, base in
      await emulator.injectFaults([.dropStream(afterEvents: 1)], on: .stream)
      let job = try #require(
        try await submit(
          base, "fal-ai/magi-distilled", ["prompt": "x", "num_inference_steps": 8, "resolution": "480p"]
        ).json)
      let statusURL = try #require(job["status_url"]?.stringValue)
      let streamURL = statusURL + "/stream?logs=1"
      // The cut comes with the stream's second event: the request starting, one tick after the
      // stream is open (parked on the clock beside the queue's wake-up).
      async let cutStream = Curl.request("GET", streamURL, extra: ["-N"])
      await clock.waitForSleepers(2)
      clock.advance(by: 0.021)
      let cut = try await cutStream
      #expect(cut.exitCode != 0, "the chunked body ends abruptly (curl exit \(cut.exitCode))")
      var parser = ServerSentEventParser()
      #expect(parser.feed(cut.body).count == 1)
      async let streamed = Curl.request("GET", streamURL, extra: ["-N"])
      #expect(try await clock.run(by: 0.021) { try await currentStatus(statusURL) == "COMPLETED" })
      let whole = try await streamed
      #expect(whole.exitCode == 0)
      var second = ServerSentEventParser()
      let events = second.feed(whole.body)
      #expect(events.last.flatMap { try? JSONValue.decode(Data($0.data.utf8)) }?["status"] == "COMPLETED")
    }
  }

  @Test("storage and file routes can be faulted too")
  func storageAndFileFaults() async throws {
    try await withEmulator(overTheWire: true) { emulator, base in
      await emulator.injectFaults([.status(503)], on: .storage)
      let refused = try await Curl.request(
        "POST", "\(base)/storage/upload/initiate", json: ["content_type": "text/plain", "file_name": "a.txt"])
      #expect(refused.status == 503)
      let initiate = try await Curl.request(
        "POST", "\(base)/storage/upload/initiate", json: ["content_type": "text/plain", "file_name": "a.txt"])
      let answer = try JSONDecoder().decode(UploadInitiateResponse.self, from: initiate.body)
      // A faulted PUT with a streamed (large) body must not poison the connection or the upload.
      await emulator.injectFaults([.ingress(503)], on: .storage)
      let big = Data(repeating: 0x41, count: 2 * 1024 * 1024)
      #expect(try await Curl.request("PUT", answer.uploadURL, auth: false, body: big).status == 503)
      #expect(try await Curl.request("PUT", answer.uploadURL, auth: false, body: big).status == 200)
      await emulator.injectFaults([.dropConnection], on: .file)
      #expect(try await Curl.request("GET", answer.fileURL, auth: false).exitCode == 52)
      #expect(try await Curl.request("GET", answer.fileURL, auth: false).body == big)
    }
  }

  @Test("random fault rates are reproducible for a seed")
  func seededRates() async throws {
    func outcomes(seed: UInt64) async -> [Fault?] {
      let injector = FaultInjector(
        settings: FaultInjection(seed: seed, errorRate: 0.3, rateLimitRate: 0.2, dropConnectionRate: 0.1))
      var seen: [Fault?] = []
      for _ in 0..<200 { seen.append(await injector.nextFault(for: .status)) }
      return seen
    }
    let first = await outcomes(seed: 42)
    #expect(await outcomes(seed: 42) == first)
    #expect(
      first.contains(.status(503)) && first.contains(.rateLimited(retryAfter: 1)) && first.contains(.dropConnection))
    #expect(first.contains(nil))
    let spared = FaultInjector(settings: FaultInjection(errorRate: 1, routes: [.submit]))
    #expect(await spared.nextFault(for: .file) == nil)
    #expect(await spared.nextFault(for: .submit) == .status(503))
  }

  @Test("a configured error rate of 1 fails every queue call over HTTP")
  func rateOverHTTP() async throws {
    try await withEmulator(faults: FaultInjection(errorRate: 1, routes: [.submit]), overTheWire: true) { _, base in
      for _ in 0..<3 {
        let response = try await submit(base)
        #expect(response.status == 503)
      }
    }
  }
}
