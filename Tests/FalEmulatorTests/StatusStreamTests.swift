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
    // On a manual clock the stream is open before the request starts, so every line is news to it.
    let clock = ManualClock()
    try await withEmulator(workers: 1, stepDuration: .milliseconds(20), clock: clock.clock) { _, base in
      let job = try #require(
        try await submit(
          base, "fal-ai/magi-distilled",
          [
            "prompt": "x", "num_inference_steps": 8, "resolution": "480p",
          ]
        ).json)
      let statusURL = try #require(job["status_url"]?.stringValue)
      async let stream = readStream(statusURL + "/stream?logs=1")
      await clock.waitForSleepers(2)  // the queue's wake-up and the open stream's keep-alive
      #expect(await clock.run(by: 0.021) { clock.sleeperCount == 0 }, "the request ran and the stream ended")
      let (response, events, _) = try await stream
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
    // On a manual clock both requests wait until the stream is open: it sees the whole line.
    let clock = ManualClock()
    try await withEmulator(workers: 1, stepDuration: .milliseconds(30), clock: clock.clock) { _, base in
      // The first request holds the only worker for 32 steps of 30 ms.
      _ = try await submit(
        base, "fal-ai/magi-distilled", ["prompt": "x", "resolution": "480p", "num_inference_steps": 32])
      let job = try #require(try await submit(base).json)
      async let stream = readStream(try #require(job["status_url"]?.stringValue) + "/stream")
      await clock.waitForSleepers(2)  // the queue's wake-up and the open stream's keep-alive
      #expect(await clock.run(by: 0.031) { clock.sleeperCount == 0 }, "both requests ran and the stream ended")
      let (_, events, _) = try await stream
      let statuses = try events.map { try JSONDecoder().decode(QueueStatus.self, from: Data($0.data.utf8)) }
      #expect(statuses.first?.state == .inQueue)
      let positions = statuses.filter { $0.state == .inQueue }.map(\.queuePosition)
      #expect(positions == [1, 0], "behind the first request, then first in line: \(positions)")
      #expect(statuses.allSatisfy { $0.logs == nil })
      #expect(statuses.last?.state == .completed)
    }
  }

  @Test("idle streams receive ': ping' comments at the keep-alive interval")
  func keepAlive() async throws {
    // A manual clock: 1 s keep-alives within a 10 s step, so the stream is idle between them.
    let clock = ManualClock()
    try await withEmulator(
      workers: 1, stepDuration: .seconds(10), keepAlive: .seconds(1), clock: clock.clock
    ) { _, base in
      let job = try #require(try await submit(base).json)
      async let stream = readStream(try #require(job["status_url"]?.stringValue) + "/stream?logs=0")
      await clock.waitForSleepers(2)  // the queue's wake-up and the open stream's keep-alive
      clock.advance(by: 0.021)  // the request starts; its first step is 10 s away
      await clock.waitForSleepers(2)
      for _ in 0..<3 {
        // A keep-alive interval with nothing to report: one ping, and the next one armed.
        clock.advance(by: 1.001)
        await clock.waitForSleepers(2)
      }
      clock.advance(by: 40)  // the four steps, and a last keep-alive racing the COMPLETED event
      let (response, events, comments) = try await stream
      #expect((3...4).contains(comments), "a ping per idle interval: \(comments)")
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
