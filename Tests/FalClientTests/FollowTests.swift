import FalClient
import FalProtocol
import Foundation
import Testing

@Suite struct FollowTests {
  let endpoint = MagiEndpoint(mode: .textToVideo).id
  let sleeper = SleepRecorder()

  func client(_ transport: ScriptedTransport) -> FalQueueClient { sleeper.client(transport) }

  static func event(_ state: String, logs: [(String, String)] = [], extra: String = "") -> String {
    let entries = logs.map { #"{"message":"\#($0.1)","level":"INFO","source":"USER","timestamp":"\#($0.0)"}"# }
    return
      "data: {\"status\":\"\(state)\",\"request_id\":\"r\",\"logs\":[\(entries.joined(separator: ","))]\(extra)}\n\n"
  }

  @Test func aStreamedJobYieldsEachStatusAndEveryLogLineOnce() async throws {
    let transport = ScriptedTransport([
      .stream([
        Self.event("IN_QUEUE", extra: #","queue_position":1"#), ": ping\n\n",
        Self.event("IN_PROGRESS", logs: [("t1", "Step 1/2")]),
        Self.event("IN_PROGRESS", logs: [("t1", "Step 1/2"), ("t2", "Step 2/2")]),
        Self.event("COMPLETED"),
      ])
    ])
    var updates: [JobUpdate] = []
    for try await update in client(transport).follow(endpoint, requestID: "r") { updates.append(update) }
    #expect(updates.map(\.status.state) == [.inQueue, .inProgress, .inProgress, .completed])
    #expect(updates.flatMap(\.newLogs).map(\.message) == ["Step 1/2", "Step 2/2"])
    #expect(transport.requests.count == 1)
    #expect(transport.requests[0].url.hasSuffix("/fal-ai/magi-distilled/requests/r/status/stream?logs=1"))
    #expect(transport.requests[0].headers["Accept"] == "text/event-stream")
  }

  @Test func aDroppedStreamIsReopenedWithoutRepeatingLogLines() async throws {
    let transport = ScriptedTransport([
      .stream([Self.event("IN_PROGRESS", logs: [("t1", "a")])]),
      .stream([Self.event("IN_PROGRESS", logs: [("t1", "a"), ("t2", "b")]), Self.event("COMPLETED")]),
    ])
    var lines: [String] = []
    for try await update in client(transport).follow(endpoint, requestID: "r") {
      lines += update.newLogs.map(\.message)
    }
    #expect(lines == ["a", "b"])
    #expect(transport.requests.count == 2)
  }

  @Test func pollingTakesOverWhenStreamingKeepsFailing() async throws {
    let transport = ScriptedTransport([
      .fail(.connectionLost), .fail(.connectionLost), .fail(.connectionLost),
      .respond(.json(202, #"{"status":"IN_PROGRESS","request_id":"r","logs":[{"message":"x","timestamp":"t"}]}"#)),
      .respond(.json(200, #"{"status":"COMPLETED","request_id":"r","logs":[{"message":"x","timestamp":"t"}]}"#)),
    ])
    var updates: [JobUpdate] = []
    for try await update in client(transport).follow(endpoint, requestID: "r") { updates.append(update) }
    #expect(updates.map(\.channel) == [.polling, .polling])
    #expect(updates.last?.status.state == .completed)
    #expect(updates.flatMap(\.newLogs).count == 1)
    #expect(transport.requests.suffix(2).allSatisfy { $0.url.hasSuffix("/status?logs=1") })
  }

  @Test func anUnknownRequestEndsTheFollowWithNotFound() async {
    let transport = ScriptedTransport([.respond(.json(404, #"{"detail":"Request not found"}"#))])
    await #expect(throws: FalClientError.notFound("Request not found")) {
      for try await _ in client(transport).follow(endpoint, requestID: "r") {}
    }
  }

  @Test func aMalformedEventIsNotMistakenForProgress() async throws {
    let transport = ScriptedTransport([
      .stream(["data: {garbage\n\n"]),
      .stream([Self.event("COMPLETED")]),
    ])
    var states: [RequestState] = []
    for try await update in client(transport).follow(endpoint, requestID: "r") { states.append(update.status.state) }
    #expect(states == [.completed])
  }
}
