import FalProtocol
import Foundation
import Testing

@testable import FalEmulator

/// `GET /_emulator/metrics`: the benchmarks' read-only view of request counts and completion times.
@Suite struct MetricsRouteTests {
  @Test("metrics report counts per route and completion times, need no key and count themselves nowhere")
  func metricsReport() async throws {
    try await withEmulator(expectedKey: Curl.key) { emulator, base in
      let submitted = try await submit(base)
      let id = try #require(submitted.json?["request_id"]?.stringValue)
      let statusURL = try #require(submitted.json?["status_url"]?.stringValue)
      let polls = try await pollUntilCompleted(statusURL)
      let response = try await Curl.request("GET", "\(base)/_emulator/metrics", auth: false)
      #expect(response.status == 200)
      #expect(response.header("content-type") == "application/json")
      let json = try #require(response.json)
      #expect(json["requests"]?["submit"]?.intValue == 1)
      #expect(json["requests"]?["status"]?.intValue == polls.count)
      #expect(json["requests"]?["other"]?.intValue == 0, "the metrics call is not counted")
      guard case .double(let completedAt)? = json["completed_at"]?[id] else {
        Issue.record("no completion time for \(id) in \(response.text)")
        return
      }
      let expected = try #require(await emulator.completionTime(of: id)).timeIntervalSince1970
      #expect(abs(completedAt - expected) < 0.001)
      let post = try await Curl.request("POST", "\(base)/_emulator/metrics", auth: false)
      #expect(post.status == 405)
      #expect(
        Route.classify(method: "GET", path: "/_emulator/metrics", host: "queue.fal.run", query: { _ in nil })
          == .notFound)
    }
  }

  @Test("metrics count jobs the queue took apart from submits sent: a refused submit bills nothing")
  func jobsAreCountedApartFromSubmits() async throws {
    try await withEmulator(expectedKey: Curl.key) { emulator, base in
      await emulator.injectFaults([.status(503)], on: .submit)
      #expect(try await submit(base).status == 503)
      #expect(try await submit(base).status == 200)
      let json = try #require(try await Curl.request("GET", "\(base)/_emulator/metrics", auth: false).json)
      #expect(json["requests"]?["submit"]?.intValue == 2)
      #expect(json["jobs"]?.intValue == 1)
    }
  }
}
