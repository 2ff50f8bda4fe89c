import FalProtocol
import Foundation
import Testing

@testable import HistoryStore

@Suite struct HistoryLineTests {
  @Test("the head scanner and the JSONDecoder fallback index a line identically")
  func fastPathMatchesFallback() throws {
    let encoder = HistoryLine.encoder()
    let decoder = HistoryLine.decoder()
    var awaiting = makeRecord("awaiting", status: .completed)
    awaiting.localFile = nil
    #expect(awaiting.awaitsVideo)
    for record in [
      fullRecord(), makeRecord("plain"), makeRecord("esc\"aped\\id", prompt: "tab\there \u{1} \"q\" é 🎬"), awaiting,
    ] {
      let line = try HistoryLine.encode(record, with: encoder)
      let fast = line.withUnsafeBytes { HistoryLine.scanHead($0) }
      let slow = line.withUnsafeBytes { HistoryLine.decodeFully($0, with: decoder) }
      #expect(fast != nil)
      guard case .line(let parsed) = slow else {
        Issue.record("fallback failed for \(record.id)")
        continue
      }
      #expect(fast == parsed)
      #expect(fast == .record(HistoryLine.head(of: record)))
      #expect(line.withUnsafeBytes { HistoryLine.isComplete($0) })
    }
    let tombstone = HistoryLine.tombstone(id: "gone", at: time(1))
    #expect(tombstone.withUnsafeBytes { HistoryLine.scanHead($0) } == .tombstone(id: "gone"))
  }

  @Test("a hand-edited line with its keys reordered gives the same summary through the fallback")
  func handEditedLineGivesSameSummary() async throws {
    let directory = try TemporaryDirectory()
    let store = try await HistoryStore(directory: directory.path)
    let record = fullRecord()
    try await store.save(record)
    let original = await store.query().summaries
    // Rewrite the line as a person or `jq -S` would: keys sorted, pretty-ish spacing.
    let object = try JSONSerialization.jsonObject(with: Data(try directory.lines()[0].utf8))
    let edited = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    #expect(!edited.starts(with: Data(#"{"v":"#.utf8)))
    #expect(edited.withUnsafeBytes { HistoryLine.scanHead($0) } == nil)
    try (edited + Data("\n".utf8)).write(to: URL(fileURLWithPath: directory.history))
    let reopened = try await HistoryStore(directory: directory.path)
    #expect(await reopened.query().summaries == original)
    #expect(try await reopened.record(id: record.id) == record)
    #expect(await reopened.warnings.isEmpty)
  }

  @Test("the completeness check rejects cut lines and accepts whole ones")
  func completeness() {
    func complete(_ text: String) -> Bool { Array(text.utf8).withUnsafeBytes { HistoryLine.isComplete($0) } }
    #expect(complete(#"{"a":"b\"}","c":[1,{"d":"\\"}]}"#))
    #expect(complete(#"{"a":1}  "#))
    #expect(!complete(#"{"a":"b\"}""#))
    #expect(!complete(#"{"a":[1,2}"#))
    #expect(!complete(#"{"a":1}{"b":2}"#))
    #expect(!complete(#"{"a":"\"#))
    #expect(!complete("{\"a\":\"x\u{0}\"}\u{0}"))
  }

  @Test("the completeness check finds quotes, escapes and control bytes at any position of a long string")
  func completenessInLongStrings() {
    func complete(_ text: String) -> Bool { Array(text.utf8).withUnsafeBytes { HistoryLine.isComplete($0) } }
    // The scan reads strings eight bytes at a time; put the byte that matters at every offset.
    for length in 0..<40 {
      let run = String(repeating: "x", count: length)
      let wide = String(repeating: "é ÿ", count: length)
      #expect(complete(#"{"a":""# + run + #"","b":""# + wide + #""}"#), "plain, \(length)")
      #expect(complete(#"{"a":""# + run + #"\"}\\"# + run + #""}"#), "escapes, \(length)")
      #expect(!complete(#"{"a":""# + run + "\u{1}" + run + #""}"#), "control byte, \(length)")
      #expect(!complete(#"{"a":""# + run + "\u{0}" + wide + #""}"#), "NUL, \(length)")
      #expect(!complete(#"{"a":""# + run + #""}{"b":""# + run + #""}"#), "two objects, \(length)")
      #expect(!complete(#"{"a":""# + run + #"\""#), "cut after an escaped quote, \(length)")
    }
  }
}

/// Timestamp's arithmetic is total: a damaged index or a `Date` of any value never traps.
@Suite struct TimestampTotalityTests {
  @Test("format and fields of any Int64 or Date clamp to years 0000–9999 instead of trapping")
  func extremesAreClamped() {
    #expect(Timestamp.format(milliseconds: .min) == "0000-01-01T00:00:00.000Z")
    #expect(Timestamp.format(milliseconds: .max) == "9999-12-31T23:59:59.999Z")
    #expect(Timestamp.format(milliseconds: 0) == "1970-01-01T00:00:00.000Z")
    for seconds in [Double.infinity, -.infinity, .nan, 1e300, -1e300, 9.3e15, -9.3e15] {
      let date = Date(timeIntervalSince1970: seconds)
      #expect(Timestamp.format(date).count == 24)
      #expect(Timestamp.representable.contains(Timestamp.milliseconds(date)))
      #expect((0...9999).contains(Timestamp.fields(date).year))
    }
    #expect(Timestamp.format(Date(timeIntervalSince1970: .nan)) == "1970-01-01T00:00:00.000Z")
  }

  @Test("a parsed time always lies in the representable range (a zone offset cannot push it out)")
  func parseStaysInRange() {
    #expect(Timestamp.parse("0000-01-01T00:00:00+01:00") == nil)
    #expect(Timestamp.parse("9999-12-31T23:59:59-01:00") == nil)
    #expect(Timestamp.parse("9999-12-31T23:59:59.999Z") == Timestamp.representable.upperBound)
    #expect(Timestamp.parse("0000-01-01T00:00:00Z") == Timestamp.representable.lowerBound)
  }
}

/// The batch id (`batch` in a line) is optional: records written before batches existed load as
/// single jobs, and a batch's id reads back as it was written.
@Suite struct BatchFieldTests {
  @Test func aLineWithoutBatchLoadsAsASingleJobAndABatchIDRoundTrips() throws {
    let encoder = HistoryLine.encoder()
    let decoder = HistoryLine.decoder()
    let single = makeRecord("single")
    let singleLine = try HistoryLine.encode(single, with: encoder)
    #expect(!String(decoding: singleLine, as: UTF8.self).contains("\"batch\""))
    let loaded = try decoder.decode(GenerationRecord.self, from: Data(singleLine))
    #expect(loaded.batchID == nil)
    #expect(loaded == single)

    var member = makeRecord("member")
    member.batchID = "01a248aabdc5bf83d7d2149d"
    let memberLine = try HistoryLine.encode(member, with: encoder)
    #expect(String(decoding: memberLine, as: UTF8.self).contains(#""batch":"01a248aabdc5bf83d7d2149d""#))
    let decoded = try decoder.decode(GenerationRecord.self, from: Data(memberLine))
    #expect(decoded == member)
  }
}
