import FalProtocol
import Foundation
import Testing

@testable import HistoryStore

@Suite struct HistoryCompactionTests {
  @Test("compaction keeps every live record's latest snapshot and drops superseded lines and tombstones")
  func compactionKeepsLiveRecords() async throws {
    let directory = try TemporaryDirectory()
    let store = try await HistoryStore(directory: directory.path)
    var records = (0..<10).map { makeRecord("r\($0)", created: Double($0)) }
    try await store.save(contentsOf: records)
    for index in 0..<5 {
      records[index].transition(to: .completed, at: time(100))
      try await store.save(records[index])
    }
    for index in [1, 6, 9] { _ = try await store.delete(id: "r\(index)") }
    #expect(try directory.lines().count == 18)
    try await store.compact()
    let live = records.filter { !["r1", "r6", "r9"].contains($0.id) }
    #expect(try directory.lines().count == live.count)
    #expect(!FileManager.default.fileExists(atPath: directory.history + ".compact"))
    for record in live { #expect(try await store.record(id: record.id) == record) }
    let reopened = try await HistoryStore(directory: directory.path)
    #expect(await reopened.count == live.count)
    for record in live { #expect(try await reopened.record(id: record.id) == record) }
    #expect(try await reopened.record(id: "r6") == nil)
  }

  @Test("a compaction that died before its rename leaves the old file whole; the stale copy is removed")
  func crashBeforeRenameLeavesOldFile() async throws {
    let directory = try TemporaryDirectory()
    let store = try await HistoryStore(directory: directory.path)
    try await store.save(contentsOf: (0..<3).map { makeRecord("r\($0)", created: Double($0)) })
    let before = try String(contentsOfFile: directory.history, encoding: .utf8)
    try #"{"v":1,"id":"half-written"#.write(toFile: directory.history + ".compact", atomically: false, encoding: .utf8)
    let reopened = try await HistoryStore(directory: directory.path)
    #expect(await reopened.query().summaries.map(\.id) == ["r2", "r1", "r0"])
    #expect(try String(contentsOfFile: directory.history, encoding: .utf8) == before)
    #expect(!FileManager.default.fileExists(atPath: directory.history + ".compact"))
  }

  @Test("another instance's compaction is noticed (inode change) and its later writes are not lost")
  func compactionByAnotherInstance() async throws {
    let directory = try TemporaryDirectory()
    let first = try await HistoryStore(directory: directory.path)
    let second = try await HistoryStore(directory: directory.path)
    var record = makeRecord("shared")
    try await first.save(record)
    record.transition(to: .running, at: time(3))
    try await first.save(record)
    #expect(await second.count == 1)
    try await first.compact()
    // `second` still holds the old, now unlinked, file open; its save must land in the new one.
    try await second.save(makeRecord("after", created: 5))
    #expect(await first.query().summaries.map(\.id) == ["after", "shared"])
    #expect(try await second.record(id: "shared") == record)
    #expect(try directory.lines().count == 2)
  }

  @Test("opening compacts a file that is mostly dead lines")
  func compactsAtOpen() async throws {
    let directory = try TemporaryDirectory()
    let store = try await HistoryStore(directory: directory.path)
    var record = makeRecord("busy")
    for step in 0..<10 {
      record.progress.stepsDone = step
      try await store.save(record)
    }
    try await store.save(makeRecord("other", created: 1))
    #expect(try directory.lines().count == 11)
    let reopened = try await HistoryStore(directory: directory.path, autoCompactMinimumBytes: 1)
    #expect(try directory.lines().count == 2)
    #expect(try await reopened.record(id: "busy") == record)
    // Below the threshold the file is left alone.
    try await reopened.save(record)
    try await reopened.save(record)
    _ = try await HistoryStore(directory: directory.path)
    #expect(try directory.lines().count == 4)
  }

  @Test("lines from a newer release are neither reported as corrupt nor compacted away")
  func futureVersionLinesAreKept() async throws {
    let directory = try TemporaryDirectory()
    let store = try await HistoryStore(directory: directory.path)
    try await store.save(makeRecord("now"))
    let handle = try #require(FileHandle(forWritingAtPath: directory.history))
    handle.seekToEndOfFile()
    handle.write(Data(#"{"v":2,"id":"later","shape":"unknown"}"#.utf8) + Data("\n".utf8))
    handle.closeFile()
    let reopened = try await HistoryStore(directory: directory.path)
    #expect(await reopened.warnings.isEmpty)
    #expect(await reopened.count == 1)
    await #expect(throws: HistoryStoreError.self) { try await reopened.compact() }
    #expect(try directory.lines().count == 2)
  }
}
