import FalProtocol
import Foundation
import Testing

@testable import FalEmulator

/// URLs as fal builds them (from the host a request came for) and the synchronous run host.
@Suite struct FalHostTests {
  static let behindTLS = ["Host": "queue.fal.run", "X-Forwarded-Proto": "https"]

  @Test("a submit for https://queue.fal.run gets fal's URLs; the result's files are on https://v3.fal.media")
  func queueHostURLs() async throws {
    try await withEmulator { _, base in
      let submitted = try await Curl.request(
        "POST", "\(base)/fal-ai/magi-distilled", headers: Self.behindTLS, json: quickInput)
      let json = try #require(submitted.json)
      let id = try #require(json["request_id"]?.stringValue)
      let prefix = "https://queue.fal.run/fal-ai/magi-distilled/requests/\(id)"
      #expect(json["status_url"]?.stringValue == prefix + "/status")
      #expect(json["response_url"]?.stringValue == prefix)
      #expect(json["cancel_url"]?.stringValue == prefix + "/cancel")
      // The same request polled by the twin's own address gets URLs on that address.
      let local = try await Curl.request("GET", "\(base)/fal-ai/magi-distilled/requests/\(id)/status")
      #expect(local.json?["status_url"]?.stringValue == "\(base)/fal-ai/magi-distilled/requests/\(id)/status")
      _ = try await pollUntilCompleted(try #require(local.json?["status_url"]?.stringValue))
      let result = try await Curl.request(
        "GET", "\(base)/fal-ai/magi-distilled/requests/\(id)", headers: Self.behindTLS)
      let video = try #require(result.json?["video"]?["url"]?.stringValue)
      #expect(video.hasPrefix("https://v3.fal.media/files/"), "\(video)")
      let direct = try await Curl.request("GET", "\(base)/fal-ai/magi-distilled/requests/\(id)")
      #expect(direct.json?["video"]?["url"]?.stringValue == "\(base)" + video.dropFirst("https://v3.fal.media".count))
    }
  }

  @Test("Forwarded (RFC 7239) names the scheme and host; a plain Host other than fal's keeps everything on it")
  func forwardedAndPlainHosts() async throws {
    try await withEmulator { _, base in
      let forwarded = try await Curl.request(
        "POST", "\(base)/fal-ai/magi-distilled",
        headers: ["Forwarded": "for=127.0.0.1;proto=https;host=queue.fal.run"], json: quickInput)
      #expect(forwarded.json?["status_url"]?.stringValue?.hasPrefix("https://queue.fal.run/fal-ai/") == true)
      let port = try #require(base.split(separator: ":").last)
      let localhost = try await Curl.request(
        "POST", "\(base)/fal-ai/magi-distilled", headers: ["Host": "localhost:\(port)"], json: quickInput)
      #expect(localhost.json?["status_url"]?.stringValue?.hasPrefix("http://localhost:\(port)/fal-ai/") == true)
      let token = try await Curl.request(
        "POST", "\(base)/storage/auth/token?storage_type=fal-cdn-v3",
        headers: ["Host": "rest.fal.ai", "X-Forwarded-Proto": "https"], json: [:])
      #expect(token.json?["base_url"] == "https://v3.fal.media")
      let initiate = try await Curl.request(
        "POST", "\(base)/storage/upload/initiate?storage_type=gcs",
        headers: ["Host": "rest.fal.ai", "X-Forwarded-Proto": "https"],
        json: ["content_type": "text/plain", "file_name": "a.txt"])
      #expect(initiate.json?["file_url"]?.stringValue?.hasPrefix("https://v3.fal.media/files/") == true)
      #expect(initiate.json?["upload_url"]?.stringValue?.hasPrefix("https://v3.fal.media/uploads/") == true)
      let junk = try await Curl.request(
        "POST", "\(base)/fal-ai/magi-distilled", headers: ["Host": "evil\"host/x"], json: quickInput)
      #expect(junk.json?["status_url"]?.stringValue?.hasPrefix(base + "/") == true, "an unusable host is ignored")
    }
  }

  @Test("POST on fal.run answers the result once the run ends: output, request id and billable units")
  func syncRun() async throws {
    try await withEmulator { emulator, base in
      let response = try await Curl.request(
        "POST", "\(base)/fal-ai/magi-distilled", headers: ["Host": "fal.run", "X-Forwarded-Proto": "https"],
        json: quickInput)
      #expect(response.status == 200)
      #expect(response.json?["video"]?["content_type"] == "video/mp4")
      #expect(response.json?["video"]?["url"]?.stringValue?.hasPrefix("https://v3.fal.media/files/") == true)
      let id = try #require(response.header("x-fal-request-id"))
      #expect((response.header("x-fal-billable-units").flatMap(Double.init) ?? 0) > 0)
      #expect(await emulator.completionTime(of: id) != nil, "the run went through the queue")
      #expect(await emulator.requestCount(.submit) == 1)
    }
  }

  @Test("fal's host named over plain http (no TLS front) picks the route; the URLs stay on the twin's address")
  func falHostOverPlainHTTP() async throws {
    try await withEmulator { _, base in
      let run = try await Curl.request(
        "POST", "\(base)/fal-ai/magi-distilled", headers: ["Host": "fal.run"], json: quickInput)
      #expect(run.status == 200)
      #expect(run.json?["video"]?["url"]?.stringValue?.hasPrefix("\(base)/files/") == true, "\(run.text)")
      let queued = try await Curl.request(
        "POST", "\(base)/fal-ai/magi-distilled", headers: ["Host": "queue.fal.run"], json: quickInput)
      #expect(queued.json?["status_url"]?.stringValue?.hasPrefix("\(base)/fal-ai/") == true)
    }
  }

  @Test("a sync run with invalid input answers 422 with the per-field detail, as the result would")
  func syncRunValidation() async throws {
    try await withEmulator { _, base in
      let response = try await Curl.request(
        "POST", "\(base)/fal-ai/magi-distilled/image-to-video", headers: ["Host": "fal.run"],
        json: ["prompt": "x", "num_frames": 500])
      #expect(response.status == 422)
      guard case .array(let detail)? = response.json?["detail"] else {
        Issue.record("no detail in \(response.text)")
        return
      }
      let fields = detail.compactMap { item -> String? in
        if case .array(let loc)? = item["loc"] { return loc.last?.stringValue }
        return nil
      }
      #expect(Set(fields) == ["image_url", "num_frames"])
      let get = try await Curl.request("GET", "\(base)/fal-ai/magi-distilled", headers: ["Host": "fal.run"])
      #expect(get.status == 405)
      let magi = try EndpointID(parsing: "fal-ai/magi")
      #expect(
        Route.classify(method: "POST", path: "/fal-ai/magi", host: "localhost:1", runHosts: ["localhost"]) { _ in nil }
          == .run(magi), "run hosts are configurable")
    }
  }

  @Test("X-Fal-Request-Timeout: a request not started in time ends 504 with x-fal-request-timeout-type user")
  func startTimeout() async throws {
    // A manual clock: the first request holds the only worker for 1.6 s of it, the second one's
    // 0.2 s deadline passes while the test watches.
    let clock = ManualClock()
    try await withEmulator(workers: 1, stepDuration: .milliseconds(100), clock: clock.clock) { _, base in
      let first = try #require(
        try await submit(base, "fal-ai/magi-distilled", ["prompt": "x", "num_inference_steps": 16]).json)
      let waiting = try #require(
        try await Curl.request(
          "POST", "\(base)/fal-ai/magi-distilled", headers: ["X-Fal-Request-Timeout": "0.2"], json: quickInput
        ).json)
      let statusURL = try #require(waiting["status_url"]?.stringValue)
      await clock.waitForSleepers(1)  // the queue's wake-up at the end of the minimum time
      clock.advance(by: 0.021)  // the first request starts
      try await waitForStatus(try #require(first["status_url"]?.stringValue), "IN_PROGRESS")
      clock.advance(by: 0.17)
      #expect(try await currentStatus(statusURL) == "IN_QUEUE", "0.191 s after its submit: still in time")
      clock.advance(by: 0.01)
      let polls = try await pollUntilCompleted(statusURL)
      #expect(polls.last?.json?["error_type"] == "request_timeout")
      let result = try await Curl.request("GET", try #require(waiting["response_url"]?.stringValue))
      #expect(result.status == 504)
      #expect(result.header("x-fal-request-timeout-type") == "user")
      #expect(result.header("x-fal-request-id") != nil)
    }
  }
}
