import FalProtocol
import Foundation
import Synchronization
import TestSupport
import Testing

@testable import HistoryStore

/// The watcher behind the studio's live history: another process's writes are seen without polling.
@Suite struct HistoryWatcherTests {
  /// Counts callbacks and lets a test wait (with a deadline, not a sleep) for the next one.
  final class Changes: Sendable {
    private let reported = Recorder<Void>()
    /// How many reports the test has taken so far.
    private let taken = Mutex(0)

    func note() { reported.append(()) }

    /// True when a change not yet taken was reported within `seconds` (waiting holds no thread).
    func next(within seconds: Double = 5) async -> Bool {
      let wanted = taken.withLock { $0 + 1 }
      let came = await reported.count(reaching: wanted, within: .seconds(seconds))
      if came { taken.withLock { $0 = wanted } }
      return came
    }
  }

  @Test("a second store's append is reported, and the first store sees the record after refresh")
  func anotherWritersAppendIsSeen() async throws {
    let directory = try TemporaryDirectory()
    let mine = try await HistoryStore(directory: directory.path)
    try await mine.save(makeRecord("mine"))
    let changes = Changes()
    let watcher = try #require(HistoryWatcher(directory: directory.path) { changes.note() })
    defer { watcher.stop() }

    let other = try await HistoryStore(directory: directory.path)
    try await other.save(makeRecord("from-elsewhere", prompt: "a generate in another shell", created: 10))
    #expect(await changes.next())
    try await mine.refresh()
    #expect(await mine.query(HistoryQuery()).summaries.map(\.id) == ["from-elsewhere", "mine"])
    #expect(try await mine.record(id: "from-elsewhere")?.prompt == "a generate in another shell")

    // An update of a known record, too.
    var updated = makeRecord("mine")
    updated.transition(to: .running, at: time(20))
    try await other.save(updated)
    #expect(await changes.next())
    #expect(await mine.query(HistoryQuery()).summaries.first { $0.id == "mine" }?.status == .running)
  }

  @Test("a compaction (a new file renamed over the old) is reported: the watch is on the directory")
  func compactionIsSeen() async throws {
    let directory = try TemporaryDirectory()
    let other = try await HistoryStore(directory: directory.path)
    try await other.save(makeRecord("a"))
    _ = try await other.delete(id: "a")
    let changes = Changes()
    let watcher = try #require(HistoryWatcher(directory: directory.path) { changes.note() })
    defer { watcher.stop() }
    try await other.compact()
    #expect(await changes.next())
    try await other.save(makeRecord("after-compaction"))
    #expect(await changes.next())
  }

  @Test("stop ends the thread at once, and a stopped watcher reports nothing more")
  func stopIsPrompt() async throws {
    let directory = try TemporaryDirectory()
    let changes = Changes()
    let watcher = try #require(HistoryWatcher(directory: directory.path) { changes.note() })
    watcher.stop()
    watcher.stop()
    let store = try await HistoryStore(directory: directory.path)
    try await store.save(makeRecord("unseen"))
    #expect(!(await changes.next(within: 0.2)))
  }
}
