import FalProtocol
import Foundation
import Testing

@testable import FalEmulator

/// The SSE status stream: incremental events, keep-alive comments, close after COMPLETED.
@Suite struct StatusStreamTests {
  /// Reads a whole stream with curl (it returns when the server closes it) and parses it.
  func readStream(_ url: String, timeout: Int = 30) async throws -> (CurlResponse, [ServerSentEvent], Int) {
    let response = try await Curl.request(
      "GET", url, headers: ["Accept": "text/event-stream"], extra: ["-N"], timeout: timeout)
    var parser = ServerSentEventParser()
    let events = parser.feed(response.body)
    return (response, events, parser.commentCount)
  }

  @Test("events carry only new log lines, the last one is COMPLETED, and the server closes the stream")
  func incrementalEvents() async throws {
    try await withEmulator(workers: 1, stepDuration: .milliseconds(20)) { _, base in
      let job = try #require(
        try await submit(
          base, "fal-ai/magi-distilled",
          [
            "prompt": "x", "num_inference_steps": 8, "resolution": "480p",
          ]
        ).json)
      let statusURL = try #require(job["status_url"]?.stringValue)
      let (response, events, _) = try await readStream(statusURL + "/stream?logs=1")
      #expect(response.exitCode == 0, "closed cleanly after COMPLETED")
      #expect(response.header("content-type")?.hasPrefix("text/event-stream") == true)
      let statuses = try events.map { try JSONDecoder().decode(QueueStatus.self, from: Data($0.data.utf8)) }
      #expect(statuses.count >= 3)
      #expect(statuses.last?.state == .completed)
      #expect(statuses.dropLast().allSatisfy { $0.state != .completed })
      let lines = statuses.flatMap { $0.logs ?? [] }.map(\.message)
      #expect(Set(lines).count == lines.count, "no line is sent twice: \(lines)")
      for step in 1...8 { #expect(lines.contains("Step \(step)/8")) }
      #expect(statuses.filter { !($0.logs ?? []).isEmpty }.count > 2, "lines arrive over several events")
    }
  }

  @Test("a stream of a queued request reports queue positions; without logs=1 logs stay null")
  func queuedStream() async throws {
    try await withEmulator(workers: 1, stepDuration: .milliseconds(30)) { _, base in
      // The first request holds the only worker for about a second (32 steps of 30 ms).
      _ = try await submit(
        base, "fal-ai/magi-distilled", ["prompt": "x", "resolution": "480p", "num_inference_steps": 32])
      let job = try #require(try await submit(base).json)
      let (_, events, _) = try await readStream(try #require(job["status_url"]?.stringValue) + "/stream")
      let statuses = try events.map { try JSONDecoder().decode(QueueStatus.self, from: Data($0.data.utf8)) }
      #expect(statuses.first?.state == .inQueue)
      #expect(statuses.allSatisfy { $0.logs == nil })
      #expect(statuses.last?.state == .completed)
    }
  }

  @Test("idle streams receive ': ping' comments at the keep-alive interval")
  func keepAlive() async throws {
    try await withEmulator(workers: 1, stepDuration: .milliseconds(40), keepAlive: .milliseconds(30)) { _, base in
      let job = try #require(
        try await submit(
          base, "fal-ai/magi-distilled", ["prompt": "x", "num_inference_steps": 8, "resolution": "480p"]
        ).json)
      let (response, events, comments) = try await readStream(
        try #require(job["status_url"]?.stringValue) + "/stream?logs=0")
      #expect(comments >= 3, "pings seen: \(comments)")
      #expect(response.text.contains(": ping\n\n"))
      #expect(!events.isEmpty)
    }
  }

  @Test("a stream for an unknown request is a JSON 404")
  func unknownStream() async throws {
    try await withEmulator { _, base in
      let response = try await Curl.request(
        "GET", "\(base)/fal-ai/magi/requests/\(UUID().uuidString.lowercased())/status/stream")
      #expect(response.status == 404)
      #expect(response.header("content-type") == "application/json")
    }
  }
}
