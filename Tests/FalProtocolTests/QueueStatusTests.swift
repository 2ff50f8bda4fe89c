import FalProtocol
import Foundation
import Testing

@Suite struct QueueStatusTests {
  @Test func queuedStatusEncodesFalsFieldsIncludingNullLogs() throws {
    let status = QueueStatus(
      state: .inQueue, requestID: "r1", responseURL: "http://h/a/b/requests/r1",
      statusURL: "http://h/a/b/requests/r1/status", cancelURL: "http://h/a/b/requests/r1/cancel", queuePosition: 2)
    let object = try JSONValue.decode(JSONEncoder().encode(status))
    #expect(object["status"] == "IN_QUEUE")
    #expect(object["queue_position"] == 2)
    #expect(object["logs"] == .null)
    #expect(object["metrics"] == .object([:]))
    #expect(object["error"] == nil)
  }

  @Test func failedCompletionCarriesErrorAndType() throws {
    let status = QueueStatus(
      state: .completed, requestID: "r", logs: [], inferenceTime: 1.5, error: "boom", errorType: "runner_disconnected")
    let object = try JSONValue.decode(JSONEncoder().encode(status))
    #expect(object["error"] == "boom")
    #expect(object["error_type"] == "runner_disconnected")
    #expect(object["metrics"]?["inference_time"] == .double(1.5))
    #expect(object["queue_position"] == nil)
    let back = try JSONDecoder().decode(QueueStatus.self, from: JSONEncoder().encode(status))
    #expect(back == status)
  }

  @Test func decodesARealCompletedStatus() throws {
    let json =
      #"{"status":"COMPLETED","request_id":"019e194b-1","response_url":"u","status_url":"s","cancel_url":"c","logs":null,"metrics":{"inference_time":126.70}}"#
    let status = try JSONDecoder().decode(QueueStatus.self, from: Data(json.utf8))
    #expect(status.state == .completed)
    #expect(status.inferenceTime == 126.70)
    #expect(status.logs == nil)
    #expect(!status.isFailure)
  }

  @Test func unknownStatusValuesAreRejected() {
    let json = #"{"status":"FAILED","request_id":"x"}"#
    #expect(throws: (any Error).self) { try JSONDecoder().decode(QueueStatus.self, from: Data(json.utf8)) }
  }
}

@Suite struct JobLogTests {
  let a = LogEntry(message: "Step 1/16", timestamp: "2026-01-01T00:00:01Z")
  let b = LogEntry(message: "Step 2/16", timestamp: "2026-01-01T00:00:02Z")
  let c = LogEntry(message: "Step 3/16", timestamp: "2026-01-01T00:00:03Z")

  @Test func overlappingWindowsMergeIntoOneCompleteLog() {
    var log = JobLog()
    #expect(log.merge([a, b]) == [a, b])
    #expect(log.merge([b, c]) == [c])
    #expect(log.merge([a, b, c]) == [])
    #expect(log.entries == [a, b, c])
  }

  @Test func theSameMessageAtAnotherTimeIsAnotherLine() {
    var log = JobLog([a])
    let again = LogEntry(message: a.message, timestamp: "2026-01-01T00:00:09Z")
    #expect(log.merge([again]) == [again])
    #expect(log.entries.count == 2)
  }

  @Test(arguments: ["-3", "-9223372036854775808", "2.5", "1e30", "\"7\""])
  func aPositionThatIsNoCountIsNoPosition(_ position: String) throws {
    let json = #"{"status":"IN_QUEUE","request_id":"r","queue_position":"# + position + "}"
    let status = try JSONDecoder().decode(QueueStatus.self, from: Data(json.utf8))
    #expect(status.state == .inQueue)
    #expect(status.queuePosition == nil)
  }

  @Test func aZeroOrPositivePositionIsKept() throws {
    let json = #"{"status":"IN_QUEUE","request_id":"r","queue_position":0}"#
    #expect(try JSONDecoder().decode(QueueStatus.self, from: Data(json.utf8)).queuePosition == 0)
  }
}

@Suite struct JobLogBoundsTests {
  @Test func anEndlessLogKeepsOnlyItsLastLinesAndStillDropsRepeats() {
    var log = JobLog(limit: 2_000)
    var added = 0
    for batch in 0..<1_000 {
      let lines = (0..<100).map { LogEntry(message: "line \(batch * 100 + $0)", timestamp: "t\(batch * 100 + $0)") }
      added += log.merge(lines).count
    }
    #expect(added == 100_000)
    #expect(log.entries.count == 2_000)
    #expect(log.entries.first?.message == "line 98000")
    // A polled window of recent lines is recognised as seen.
    let recent = (99_900..<100_000).map { LogEntry(message: "line \($0)", timestamp: "t\($0)") }
    #expect(log.merge(recent).isEmpty)
  }
}
