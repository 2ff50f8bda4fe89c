import FalProtocol
import Foundation
import Testing

@testable import HistoryStore

/// Histories big enough to be parsed in parallel pieces and to grow the id table many times: the
/// result must be exactly what reading the file line by line gives.
@Suite struct HistoryLargeFileTests {
  /// Lines of every kind, in an order where later lines change and delete earlier records.
  private func mixedLines(records: Int) throws -> [String] {
    let encoder = HistoryLine.encoder()
    var lines: [String] = []
    func add(_ record: GenerationRecord) throws {
      lines.append(String(decoding: try HistoryLine.encode(record, with: encoder), as: UTF8.self))
    }
    for number in 0..<records {
      let prompt = number % 7 == 0 ? "escaped \"quote\" \\ tab\t and ünïcödé \(number)" : "plain prompt \(number)"
      try add(makeRecord("id-\(number)", prompt: prompt, created: Double(number)))
      if number % 10 == 9 {
        // A later snapshot of an earlier record (new status and prompt), a delete, a blank line,
        // garbage, and a hand-edited line in another key order.
        try add(
          makeRecord(
            "id-\(number - 5)", prompt: "renamed \(number - 5)", status: .completed, created: Double(number - 5)))
        lines.append(
          String(decoding: HistoryLine.tombstone(id: "id-\(number - 8)", at: time(Double(number))), as: UTF8.self))
        lines.append("   ")
        lines.append("{\"v\":1,\"id\":\"torn-\(number)\",\"created\":\"2026-01-01T00:00:00.000Z\"")
        let edited = try JSONSerialization.data(
          withJSONObject: try JSONSerialization.jsonObject(
            with: Data(HistoryLine.encode(makeRecord("edited-\(number)", created: Double(number)), with: encoder))),
          options: [.sortedKeys])
        lines.append(String(decoding: edited, as: UTF8.self))
      }
    }
    return lines
  }

  @Test("a block parsed in pieces on several threads gives the same lines as one serial pass")
  func piecesMatchSerialParse() throws {
    let block = Array((try mixedLines(records: 6_000).joined(separator: "\n") + "\n").utf8)
    #expect(block.count > HistoryScanner.parallelMinimum)
    try block.withUnsafeBytes { raw in
      let ranges = HistoryScanner.cut(raw, into: 4)
      #expect(ranges.count == 4)
      #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == raw.count)
      for (range, next) in zip(ranges, ranges.dropFirst()) {
        #expect(range.upperBound == next.lowerBound)
        #expect(raw[range.upperBound - 1] == 0x0A)
      }
      let serial = try #require(HistoryScanner.parse(raw, base: 1000, ways: 1).first)
      let pieces = HistoryScanner.parse(raw, base: 1000, ways: 4)
      #expect(pieces.count == 4)
      #expect(pieces.reduce(0) { $0 + $1.lineCount } == serial.lineCount)
      func described(_ piece: HistoryScanner.Piece) -> [String] {
        piece.scratch.withUnsafeBytes { scratch in
          piece.lines.map { line in
            func text(_ text: HistoryLine.Text) -> String {
              switch text {
              case .line(let range): String(decoding: raw[range], as: UTF8.self)
              case .decoded(let range): String(decoding: scratch[range], as: UTF8.self)
              }
            }
            switch line {
            case .record(let fields, let id, let prompt, let offset, let length):
              return "record \(text(id)) \(text(prompt)) \(fields) @\(offset)+\(length)"
            case .tombstone(let id): return "tombstone \(text(id))"
            case .future: return "future"
            case .invalid(let offset, _, let bytes): return "invalid @\(offset) \(bytes.count)"
            }
          }
        }
      }
      #expect(pieces.flatMap(described) == described(serial))
    }
  }

  @Test("a multi-megabyte history opens to the same records, deletes and warnings as its lines say")
  func largeHistoryOpensExactly() async throws {
    let directory = try TemporaryDirectory()
    let lines = try mixedLines(records: 12_000)
    try (lines.joined(separator: "\n") + "\n").write(toFile: directory.history, atomically: false, encoding: .utf8)
    #expect((try FileManager.default.attributesOfItem(atPath: directory.history)[.size] as? Int ?? 0) > 2 << 20)

    let store = try await HistoryStore(directory: directory.path)
    // 12,000 records + 1,200 hand-edited ones, less 1,200 deleted.
    #expect(await store.count == 12_000)
    #expect(try await store.record(id: "id-4")?.prompt == "renamed 4")
    #expect(try await store.record(id: "id-4")?.status == .completed)
    #expect(try await store.record(id: "id-1") == nil)
    #expect(try await store.record(id: "edited-11_999") == nil)
    #expect(try await store.record(id: "edited-11999")?.id == "edited-11999")
    #expect(try await store.record(id: "id-7")?.prompt == "escaped \"quote\" \\ tab\t and ünïcödé 7")
    let page = await store.query(HistoryQuery(limit: 3))
    // Same creation time: the one written later is listed first.
    #expect(page.summaries.map(\.id) == ["edited-11999", "id-11999", "id-11998"])
    #expect(await store.query(HistoryQuery(text: "RENAMED 11994", limit: 5)).summaries.map(\.id) == ["id-11994"])
    #expect(await store.query(HistoryQuery(text: "ÜNÏCÖDÉ 11998", limit: 5)).summaries.map(\.id) == ["id-11998"])

    // Every torn line is reported once, with its own line number in the file.
    let warnings = await store.warnings
    #expect(warnings.count == 1_200)
    let tornLines = lines.indices.filter { lines[$0].hasPrefix("{\"v\":1,\"id\":\"torn-") }.map { $0 + 1 }
    #expect(warnings.map(\.line) == tornLines)
  }

  @Test("an index entry takes 64 bytes: 100,000 of them are memory the open must fault in")
  func entryStaysSmall() {
    #expect(MemoryLayout<HistoryIndex.Entry>.stride <= 64)
  }

  @Test("an id deleted and written again comes back; thousands of deletes keep lookups right")
  func deleteAndReuseIDs() async throws {
    let directory = try TemporaryDirectory()
    let store = try await HistoryStore(directory: directory.path)
    try await store.save(contentsOf: (0..<3_000).map { makeRecord("r\($0)", created: Double($0)) })
    for number in 0..<2_500 { _ = try await store.delete(id: "r\(number)") }
    #expect(await store.count == 500)
    try await store.save(makeRecord("r10", prompt: "back again", created: 10))
    #expect(await store.count == 501)
    #expect(try await store.record(id: "r10")?.prompt == "back again")
    #expect(try await store.record(id: "r11") == nil)
    #expect(try await store.record(id: "r2999")?.id == "r2999")
    #expect(await store.query(HistoryQuery(limit: 1_000)).summaries.last?.id == "r10")
    let reopened = try await HistoryStore(directory: directory.path)
    #expect(await reopened.count == 501)
    #expect(await reopened.query(HistoryQuery(text: "BACK", limit: 5)).summaries.map(\.id) == ["r10"])
  }
}
