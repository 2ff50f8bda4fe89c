import FalProtocol
import Foundation
import Testing

@testable import HistoryStore

/// `history.index`: an open from it must answer exactly as a full scan of the same file would, and
/// any snapshot that does not match the file must be ignored (or, failing that, caught when read).
@Suite struct HistoryIndexSnapshotTests {
  /// A store that snapshots any history, and never compacts on its own (updates make many dead lines).
  private func openStore(_ directory: borrowing TemporaryDirectory) async throws -> HistoryStore {
    try await HistoryStore(directory: directory.path, autoCompactMinimumBytes: 1 << 40, snapshotMinimumBytes: 1)
  }

  private func snapshotPath(_ directory: String) -> String { directory + "/history.index" }

  /// A populated store with its snapshot saved; the ids it holds.
  private func snapshotted(_ directory: borrowing TemporaryDirectory) async throws -> [String] {
    let store = try await openStore(directory)
    let ids = try await populate(store)
    await store.saveIndexSnapshot()
    return ids
  }

  /// The next open ignores (and deletes) the snapshot and answers as a full scan does.
  private func expectFullScan(_ directory: borrowing TemporaryDirectory, ids: [String]) async throws {
    let reopened = try await openStore(directory)
    #expect(await reopened.openedFromSnapshot == false)
    #expect(!snapshotExists(directory.path))
    #expect(try await view(reopened, ids: ids) == (try await fullScanView(of: directory.path, ids: ids)))
  }

  private func snapshotExists(_ directory: String) -> Bool {
    FileManager.default.fileExists(atPath: snapshotPath(directory))
  }

  /// Records of every status and mode, created out of order (so the creation order is rebuilt),
  /// with escaped and non-ASCII prompts; then updates (one with a new prompt) and deletes.
  private func populate(_ store: HistoryStore, count: Int = 200, prefix: String = "rec") async throws -> [String] {
    var records: [GenerationRecord] = []
    for number in 0..<count {
      let prompt =
        number % 5 == 0 ? "Ünïcödé \"Fox\" \(number) — snow" : "plain prompt \(number) of a Harbour at dusk, 35mm grain"
      let created = number % 17 == 3 ? Double(number) - 50 : Double(number)
      records.append(
        makeRecord(
          "\(prefix)-\(number)", prompt: prompt,
          status: GenerationStatus.allCases[number % GenerationStatus.allCases.count],
          mode: MagiMode.allCases[number % MagiMode.allCases.count], created: created))
    }
    try await store.save(contentsOf: records)
    for number in stride(from: 1, to: count, by: 9) {
      var record = records[number]
      record.transition(to: .completed, at: time(Double(1000 + number)))
      try await store.save(record)
    }
    var renamed = makeRecord("\(prefix)-2", prompt: "a renamed FOX prompt", status: .running, created: 2)
    renamed.transition(to: .running, at: time(2000))
    try await store.save(renamed)
    for number in stride(from: 4, to: count, by: 13) { _ = try await store.delete(id: "\(prefix)-\(number)") }
    return records.map(\.id)
  }

  /// Everything a caller can see of the index, for comparing two opens.
  private struct View: Equatable {
    var count: Int
    var pages: [HistoryPage]
    var records: [GenerationRecord?]
  }

  private func view(_ store: HistoryStore, ids: [String]) async throws -> View {
    let queries = [
      HistoryQuery(limit: 100_000), HistoryQuery(offset: 7, limit: 13), HistoryQuery(text: "fox", limit: 100_000),
      HistoryQuery(text: "ünïcödé", limit: 100_000), HistoryQuery(text: "HARBOUR at", limit: 100_000),
      HistoryQuery(statuses: [.completed, .lost], limit: 100_000), HistoryQuery(modes: [.textToVideo], limit: 100_000),
      HistoryQuery(createdFrom: time(20), createdBefore: time(90), limit: 100_000),
      HistoryQuery(awaitingVideo: false, limit: 100_000),
    ]
    var pages: [HistoryPage] = []
    for query in queries { pages.append(await store.query(query)) }
    var records: [GenerationRecord?] = []
    for id in ids + ["missing-id"] { records.append(try await store.record(id: id)) }
    return View(count: await store.count, pages: pages, records: records)
  }

  /// What a full scan of the same history shows: the file is copied where there is no snapshot.
  private func fullScanView(of directory: String, ids: [String]) async throws -> View {
    let copy = try TemporaryDirectory()
    try FileManager.default.copyItem(atPath: directory + "/history.jsonl", toPath: copy.history)
    let store = try await openStore(copy)
    #expect(await store.openedFromSnapshot == false)
    return try await view(store, ids: ids)
  }

  /// Header words of the snapshot file, to patch them.
  private func patchHeader(_ directory: borrowing TemporaryDirectory, word: Int, value: UInt64, fixChecksum: Bool)
    throws
  {
    var data = try Data(contentsOf: URL(fileURLWithPath: snapshotPath(directory.path)))
    var words = data.withUnsafeBytes { raw in
      (0..<HistoryIndexSnapshot.headerWords).map { raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self) }
    }
    words[word] = value
    let last = HistoryIndexSnapshot.headerWords - 1
    if fixChecksum { words[last] = words[0..<last].withUnsafeBytes { HistoryIndexSnapshot.fnv1a($0) } }
    data.replaceSubrange(0..<HistoryIndexSnapshot.headerSize, with: words.withUnsafeBytes { Data($0) })
    try data.write(to: URL(fileURLWithPath: snapshotPath(directory.path)))
  }

  @Test("an open from the snapshot answers every query, count, record and search as a full scan does")
  func snapshotMatchesFullScan() async throws {
    let directory = try TemporaryDirectory()
    let store = try await openStore(directory)
    let ids = try await populate(store)
    // A text search folds prompts first: that cache must not end up in the snapshot.
    _ = await store.query(HistoryQuery(text: "fox"))
    let before = try await view(store, ids: ids)
    await store.saveIndexSnapshot()
    #expect(snapshotExists(directory.path))

    let reopened = try await openStore(directory)
    #expect(await reopened.openedFromSnapshot)
    #expect(await reopened.linesScannedAtOpen == 0)
    let fromSnapshot = try await view(reopened, ids: ids)
    #expect(fromSnapshot == before)
    #expect(fromSnapshot == (try await fullScanView(of: directory.path, ids: ids)))
    #expect(fromSnapshot.pages[2].totalMatches > 0 && fromSnapshot.pages[3].totalMatches > 0)
  }

  @Test("the public initializer does not snapshot a small history, and an up-to-date snapshot is not rewritten")
  func smallHistoriesAndCurrentSnapshotsAreLeftAlone() async throws {
    let directory = try TemporaryDirectory()
    let store = try await HistoryStore(directory: directory.path)
    _ = try await populate(store, count: 20)
    await store.saveIndexSnapshot()
    #expect(!snapshotExists(directory.path))

    let eager = try await openStore(directory)
    await eager.saveIndexSnapshot()
    let first =
      try FileManager.default.attributesOfItem(atPath: snapshotPath(directory.path))[.systemFileNumber] as? Int
    await eager.saveIndexSnapshot()
    let second =
      try FileManager.default.attributesOfItem(atPath: snapshotPath(directory.path))[.systemFileNumber] as? Int
    #expect(first != nil && first == second)
    try await eager.save(makeRecord("one-more", created: 500))
    await eager.saveIndexSnapshot()
    let third =
      try FileManager.default.attributesOfItem(atPath: snapshotPath(directory.path))[.systemFileNumber] as? Int
    #expect(third != first)
  }

  @Test("no snapshot is written while a change waits in memory")
  func pendingChangesPreventSnapshot() async throws {
    let directory = try TemporaryDirectory()
    let store = try await HistoryStore(
      directory: directory.path, autoCompactMinimumBytes: 1 << 40, snapshotMinimumBytes: 0)
    // Every write fails, even for root: the history became a FIFO, which is refused; the change
    // stays in memory.
    #expect(unlink(directory.history) == 0 && mkfifo(directory.history, 0o600) == 0)
    await #expect(throws: HistoryStoreError.self) { try await store.save(makeRecord("unsaved", created: 99)) }
    #expect(await store.unsavedCount == 1)
    await store.saveIndexSnapshot()
    #expect(!snapshotExists(directory.path))
  }

  @Test("new records, updates of snapshotted records and deletes appended after the snapshot are all seen")
  func linesAfterSnapshotAreRead() async throws {
    let directory = try TemporaryDirectory()
    let store = try await openStore(directory)
    var ids = try await populate(store)
    await store.saveIndexSnapshot()
    let snapshotLines = try directory.lines().count

    // Another process (another store) appends after the snapshot was written.
    let writer = try await openStore(directory)
    try await writer.save(
      contentsOf: (0..<15).map { makeRecord("late-\($0)", prompt: "late fox \($0)", created: Double(300 + $0)) })
    var updated = makeRecord("rec-10", prompt: "updated after the snapshot", status: .failed, created: 10)
    updated.transition(to: .failed, at: time(4000))
    try await writer.save(updated)
    _ = try await writer.delete(id: "rec-11")
    _ = try await writer.delete(id: "late-3")
    try await writer.save(makeRecord("rec-4", prompt: "back after its delete", created: 4))
    ids += (0..<15).map { "late-\($0)" }
    let appended = try directory.lines().count - snapshotLines

    let reopened = try await openStore(directory)
    #expect(await reopened.openedFromSnapshot)
    #expect(await reopened.linesScannedAtOpen == appended)
    let fromSnapshot = try await view(reopened, ids: ids)
    #expect(fromSnapshot == (try await fullScanView(of: directory.path, ids: ids)))
    #expect(try await reopened.record(id: "rec-10") == updated)
    #expect(try await reopened.record(id: "rec-11") == nil)
    #expect(try await reopened.record(id: "late-3") == nil)
    #expect(try await reopened.record(id: "rec-4")?.prompt == "back after its delete")
    #expect(await reopened.query(HistoryQuery(text: "late fox", limit: 100)).totalMatches == 14)
  }

  @Test("compaction replaces the snapshot with one of the new file; the next open starts from it")
  func compactionReplacesSnapshot() async throws {
    let directory = try TemporaryDirectory()
    let store = try await openStore(directory)
    let ids = try await populate(store)
    await store.saveIndexSnapshot()
    #expect(snapshotExists(directory.path))
    let reopened = try await openStore(directory)
    #expect(await reopened.openedFromSnapshot)
    let oldInode = try FileManager.default.attributesOfItem(atPath: directory.history)[.systemFileNumber] as? UInt64
    try await reopened.compact()
    let newInode = try FileManager.default.attributesOfItem(atPath: directory.history)[.systemFileNumber] as? UInt64
    #expect(oldInode != newInode, "compaction wrote a new file")
    #expect(snapshotExists(directory.path))

    let afterCompaction = try await openStore(directory)
    #expect(await afterCompaction.openedFromSnapshot)
    #expect(await afterCompaction.linesScannedAtOpen == 0)
    #expect(try await view(afterCompaction, ids: ids) == (try await fullScanView(of: directory.path, ids: ids)))
    #expect(try await view(afterCompaction, ids: ids) == (try await view(store, ids: ids)))
  }

  /// Makes the snapshot claim the history's current size and times, as if it had been written
  /// after an edit: only the checks past the header (line ids) can then catch what changed.
  private func restamp(_ directory: borrowing TemporaryDirectory) throws {
    var info = stat()
    #expect(stat(directory.history, &info) == 0)
    var stamp = [UInt64](repeating: 0, count: HistoryIndexSnapshot.headerWords)
    HistoryIndexSnapshot.FileStamp(info).store(in: &stamp)
    for word in 17...21 { try patchHeader(directory, word: word, value: stamp[word], fixChecksum: true) }
  }

  /// Recomputes the body hash (header word 15) after an entry was patched, so that only the field
  /// checks stand between the patched entry and a query.
  private func rehashBody(_ directory: borrowing TemporaryDirectory) throws {
    let data = try Data(contentsOf: URL(fileURLWithPath: snapshotPath(directory.path)))
    let body = data.dropFirst(HistoryIndexSnapshot.headerSize).withUnsafeBytes { ContentHash.hash($0) }
    try patchHeader(directory, word: 15, value: body, fixChecksum: true)
  }

  @Test("a same-size edit in place far before the checksum window is caught: the snapshot is not used")
  func sameSizeEditInPlaceIsCaught() async throws {
    let directory = try TemporaryDirectory()
    let store = try await openStore(directory)
    let records = try await saveLongRecords(store)
    await store.saveIndexSnapshot()
    try swapEarlyLines(directory)

    let reopened = try await openStore(directory)
    #expect(await reopened.openedFromSnapshot == false)
    #expect(!snapshotExists(directory.path))
    for record in records { #expect(try await reopened.record(id: record.id) == record) }
  }

  @Test("lines appended by another writer after the snapshot keep it usable (the covered part is rehashed)")
  func appendsAfterSnapshotKeepItUsable() async throws {
    let directory = try TemporaryDirectory()
    let store = try await openStore(directory)
    let records = try await saveLongRecords(store)
    await store.saveIndexSnapshot()
    let other = try await openStore(directory)
    try await other.save(makeRecord("appended", prompt: "from elsewhere", created: 9999))

    // As if the append were long ago (no racy window): the verified stamp is renewed.
    let reopened = try await HistoryStore(
      directory: directory.path, autoCompactMinimumBytes: 1 << 40, snapshotMinimumBytes: 1, racySeconds: -1)
    #expect(await reopened.openedFromSnapshot)
    #expect(await reopened.snapshotPrefixRehashed)
    #expect(await reopened.count == records.count + 1)
    #expect(try await reopened.record(id: "appended")?.prompt == "from elsewhere")
    // Verified once, the stamp is renewed: the next open trusts it without hashing again…
    let again = try await openStore(directory)
    #expect(await again.openedFromSnapshot)
    #expect(await again.snapshotPrefixRehashed == false)
    #expect(await again.count == records.count + 1)
    // …and an edit in place after that is still caught.
    try swapEarlyLines(directory)
    let edited = try await openStore(directory)
    #expect(await edited.openedFromSnapshot == false)
    for record in records { #expect(try await edited.record(id: record.id) == record) }
  }

  @Test("a stamp is not renewed within a second of the last write (a same-tick edit would match it)")
  func racyStampIsNotRecorded() async throws {
    let directory = try TemporaryDirectory()
    let store = try await openStore(directory)
    _ = try await saveLongRecords(store)
    await store.saveIndexSnapshot()
    // Just written: the snapshot records no stamp, so an open hashes (and cannot be fooled by an
    // edit in the same clock tick), and does not renew it either.
    for _ in 0..<2 {
      let reopened = try await openStore(directory)
      #expect(await reopened.openedFromSnapshot)
      #expect(await reopened.snapshotPrefixRehashed)
    }
  }

  @Test("a flipped bit in the snapshot's ids or prompts is caught by its checksum, and the index rebuilt")
  func bitFlipInTextIsCaught() async throws {
    let directory = try TemporaryDirectory()
    let ids = try await snapshotted(directory)
    let url = URL(fileURLWithPath: snapshotPath(directory.path))
    var data = try Data(contentsOf: url)
    // The text area follows the entries (header word 9 counts them): flip one bit of the first id,
    // "rec-0" → "rdc-0", an id that does not exist.
    let entries = data.withUnsafeBytes { raw in raw.loadUnaligned(fromByteOffset: 9 * 8, as: UInt64.self) }
    #expect(entries > 0)
    let textStart = HistoryIndexSnapshot.headerSize + Int(entries) * HistoryIndexSnapshot.entrySize
    data[textStart + 1] ^= 0x01
    try data.write(to: url)

    try await expectFullScan(directory, ids: ids)
  }

  @Test("an entry whose created time is Int64.min (checksum made to match) is refused; nothing traps")
  func outOfRangeTimeIsRefused() async throws {
    let directory = try TemporaryDirectory()
    let ids = try await snapshotted(directory)
    let url = URL(fileURLWithPath: snapshotPath(directory.path))
    var data = try Data(contentsOf: url)
    // The creation time is an entry's first field, a little-endian Int64.
    for (slot, value) in [(3, Int64.min), (7, Int64.max)] {
      let at = HistoryIndexSnapshot.headerSize + slot * HistoryIndexSnapshot.entrySize
      withUnsafeBytes(of: value.littleEndian) { data.replaceSubrange(at..<(at + 8), with: $0) }
    }
    try data.write(to: url)
    try rehashBody(directory)

    try await expectFullScan(directory, ids: ids)
  }

  @Test("a snapshot of a file since replaced (new inode) is ignored and deleted")
  func replacedFileIgnoresSnapshot() async throws {
    let directory = try TemporaryDirectory()
    let ids = try await snapshotted(directory)
    // The same bytes under a new inode: only the identity differs.
    let copy = directory.history + ".copy"
    try FileManager.default.copyItem(atPath: directory.history, toPath: copy)
    #expect(rename(copy, directory.history) == 0)

    try await expectFullScan(directory, ids: ids)
  }

  @Test("a snapshot whose checksum window no longer matches the file (rewritten in place) is ignored and deleted")
  func changedContentIgnoresSnapshot() async throws {
    let directory = try TemporaryDirectory()
    let ids = try await snapshotted(directory)
    // Same inode, same length: the last record's prompt rewritten in place.
    var bytes = try Data(contentsOf: URL(fileURLWithPath: directory.history))
    let needle = Data("plain prompt 198".utf8)
    // Its head and its input both hold the prompt.
    var replaced = 0
    while let found = bytes.range(of: needle) {
      bytes.replaceSubrange(found, with: Data("PLAIN PROMPT 891".utf8))
      replaced += 1
    }
    #expect(replaced == 2)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.history))
    try handle.write(contentsOf: bytes)
    try handle.close()

    let reopened = try await openStore(directory)
    #expect(await reopened.openedFromSnapshot == false)
    #expect(!snapshotExists(directory.path))
    #expect(await reopened.query(HistoryQuery(text: "PLAIN PROMPT 891")).totalMatches == 1)
    #expect(try await view(reopened, ids: ids) == (try await fullScanView(of: directory.path, ids: ids)))
  }

  @Test("a shortened history (shorter than the snapshot covers) ignores the snapshot")
  func truncatedHistoryIgnoresSnapshot() async throws {
    let directory = try TemporaryDirectory()
    let ids = try await snapshotted(directory)
    let lines = try directory.lines()
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.history))
    try handle.truncate(atOffset: UInt64(lines.prefix(100).reduce(0) { $0 + $1.utf8.count + 1 }))
    try handle.close()

    let reopened = try await openStore(directory)
    #expect(await reopened.openedFromSnapshot == false)
    #expect(try await view(reopened, ids: ids) == (try await fullScanView(of: directory.path, ids: ids)))
  }

  @Test(
    "a garbage or truncated history.index is ignored, deleted, and the open succeeds",
    arguments: ["garbage", "truncated", "empty"])
  func damagedSnapshotIsIgnored(damage: String) async throws {
    let directory = try TemporaryDirectory()
    let ids = try await snapshotted(directory)
    let url = URL(fileURLWithPath: snapshotPath(directory.path))
    let valid = try Data(contentsOf: url)
    switch damage {
    case "garbage": try Data((0..<valid.count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }).write(to: url)
    case "truncated": try valid.prefix(valid.count - 100).write(to: url)
    default: try Data().write(to: url)
    }

    try await expectFullScan(directory, ids: ids)
  }

  @Test("a snapshot damaged inside its entries (a status code, a flag, a span out of range) is refused, not read")
  func damagedEntriesAreRefused() async throws {
    let directory = try TemporaryDirectory()
    let ids = try await snapshotted(directory)
    let url = URL(fileURLWithPath: snapshotPath(directory.path))
    let valid = try Data(contentsOf: url)
    // Entry bytes 44 (status code), 47 (flags) and 31 (the high byte of the id's start), with the
    // body hash made to match: only the field checks stand in the way.
    for (offset, value) in [(44, UInt8(200)), (47, UInt8(0x80)), (31, UInt8(0x7F))] {
      var damaged = valid
      damaged[HistoryIndexSnapshot.headerSize + 5 * HistoryIndexSnapshot.entrySize + offset] = value
      try damaged.write(to: url)
      try rehashBody(directory)
      let reopened = try await openStore(directory)
      #expect(await reopened.openedFromSnapshot == false)
      #expect(!snapshotExists(directory.path))
      #expect(try await view(reopened, ids: ids) == (try await fullScanView(of: directory.path, ids: ids)))
    }
  }

  @Test("a snapshot in an older format is discarded and rebuilt; one from a newer release is ignored but kept")
  func otherFormatVersions() async throws {
    let directory = try TemporaryDirectory()
    let store = try await openStore(directory)
    let ids = try await populate(store)
    await store.saveIndexSnapshot()
    let valid = try Data(contentsOf: URL(fileURLWithPath: snapshotPath(directory.path)))
    typealias Header = HistoryIndexSnapshot.Header
    // Formats 1 and 2 held the in-memory layout of the build that wrote them.
    for (version, kept) in [
      (HistoryIndexSnapshot.formatVersion - 1, false), (HistoryIndexSnapshot.formatVersion + 1, true),
    ] {
      try valid.write(to: URL(fileURLWithPath: snapshotPath(directory.path)))
      try patchHeader(directory, word: Header.version, value: version, fixChecksum: true)
      let reopened = try await openStore(directory)
      #expect(await reopened.openedFromSnapshot == false)
      #expect(await reopened.warnings.isEmpty)
      #expect(snapshotExists(directory.path) == kept)
      #expect(try await view(reopened, ids: ids) == (try await fullScanView(of: directory.path, ids: ids)))
    }
    // Rebuilt: the next save writes the current format, and the open after it starts from it.
    let rebuilt = try await openStore(directory)
    try? FileManager.default.removeItem(atPath: snapshotPath(directory.path))
    await rebuilt.saveIndexSnapshot()
    #expect(await (try openStore(directory)).openedFromSnapshot)
    // A header patched without its checksum is damaged, not foreign.
    try valid.write(to: URL(fileURLWithPath: snapshotPath(directory.path)))
    try patchHeader(directory, word: Header.version, value: HistoryIndexSnapshot.formatVersion + 1, fixChecksum: false)
    let reopened = try await openStore(directory)
    #expect(await reopened.openedFromSnapshot == false)
    #expect(!snapshotExists(directory.path))
  }

  @Test("status, mode and model codes are read by the names the snapshot lists, not by this build's case order")
  func codesAreReadByName() async throws {
    let directory = try TemporaryDirectory()
    let ids = try await snapshotted(directory)
    let url = URL(fileURLWithPath: snapshotPath(directory.path))
    var data = try Data(contentsOf: url)
    typealias Header = HistoryIndexSnapshot.Header
    let words = data.withUnsafeBytes { raw in
      (0..<HistoryIndexSnapshot.headerWords).map {
        UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))
      }
    }
    let vocabularySize = Int(words[Header.vocabularySize])
    let vocabulary = String(decoding: data.suffix(vocabularySize), as: UTF8.self)
    let statuses = GenerationStatus.allCases.map(\.rawValue)
    #expect(vocabulary.hasPrefix(statuses.joined(separator: ",") + ";"))
    // As a build whose status cases were declared in the opposite order would have written it.
    let reversed =
      statuses.reversed().joined(separator: ",") + vocabulary.dropFirst(statuses.joined(separator: ",").count)
    data.replaceSubrange((data.count - vocabularySize)..., with: Data(reversed.utf8))
    for slot in 0..<Int(words[Header.entryCount]) {
      let at = HistoryIndexSnapshot.headerSize + slot * HistoryIndexSnapshot.entrySize + 44
      data[at] = UInt8(statuses.count - 1) - data[at]
    }
    try data.write(to: url)
    try rehashBody(directory)

    let reopened = try await openStore(directory)
    #expect(await reopened.openedFromSnapshot)
    #expect(try await view(reopened, ids: ids) == (try await fullScanView(of: directory.path, ids: ids)))
  }

  /// A file where two early lines of equal length (ids and prompts alike in size) have been swapped
  /// in place, far before the checksum window: the snapshot is accepted, its offsets are wrong.
  private func swapEarlyLines(_ directory: borrowing TemporaryDirectory) throws {
    let lines = try directory.lines()
    let first = try #require(lines.firstIndex { $0.contains(#""id":"rec-21""#) })
    let second = try #require(lines.firstIndex { $0.contains(#""id":"rec-22""#) })
    #expect(lines[first].utf8.count == lines[second].utf8.count)
    var swapped = lines
    swapped.swapAt(first, second)
    let bytes = Data((swapped.joined(separator: "\n") + "\n").utf8)
    #expect(bytes.count == (try Data(contentsOf: URL(fileURLWithPath: directory.history))).count)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.history))
    try handle.write(contentsOf: bytes)
    try handle.close()
  }

  /// 400 completed records with long prompts of one length (lines of one length, so that swapping
  /// or editing early lines keeps the file's size and leaves them far outside the 64 KiB window).
  private func saveLongRecords(_ store: HistoryStore) async throws -> [GenerationRecord] {
    let records = (0..<400).map { number in
      makeRecord(
        "rec-\(number + 10)", prompt: "prompt \(number + 1000) " + String(repeating: "x", count: 400),
        status: .completed,
        created: Double(number))
    }
    try await store.save(contentsOf: records)
    return records
  }

  @Test("an accepted snapshot whose offsets point at other records never returns another record's data")
  func staleOffsetsAreCaught() async throws {
    let directory = try TemporaryDirectory()
    let store = try await openStore(directory)
    let records = try await saveLongRecords(store)
    await store.saveIndexSnapshot()
    try swapEarlyLines(directory)
    // As if written after the edit: the stamp matches, so only the line checks are left.
    try restamp(directory)
    let snapshot = try Data(contentsOf: URL(fileURLWithPath: snapshotPath(directory.path)))
    #expect(
      (try Data(contentsOf: URL(fileURLWithPath: directory.history))).count > 3 * Int(HistoryIndexSnapshot.windowSize))
    let expected = records.first { $0.id == "rec-21" }

    let reopened = try await openStore(directory)
    #expect(await reopened.openedFromSnapshot)
    #expect(try await reopened.record(id: "rec-21") == expected)
    #expect(try await reopened.record(id: "rec-22") == records.first { $0.id == "rec-22" })
    #expect(!snapshotExists(directory.path))

    // The same through an export, which reads lines without decoding them.
    try snapshot.write(to: URL(fileURLWithPath: snapshotPath(directory.path)))
    let exporting = try await openStore(directory)
    #expect(await exporting.openedFromSnapshot)
    let exported = directory.path + "/export.json"
    #expect(try await exporting.export(to: exported, matching: HistoryQuery(limit: 10_000)) == records.count)
    let array = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: exported))) as? [[String: Any]])
    #expect(array.count == records.count)
    let byID = Dictionary(uniqueKeysWithValues: records.map { ($0.id, $0.prompt) })
    for object in array {
      let id = try #require(object["id"] as? String)
      #expect(object["prompt"] as? String == byID[id])
    }
    #expect(Set(array.compactMap { $0["id"] as? String }) == Set(byID.keys))
  }

  @Test("a compaction does not copy lines by a snapshot's offsets: it keeps what the file holds")
  func compactionRescansFirst() async throws {
    let directory = try TemporaryDirectory()
    let store = try await openStore(directory)
    let records = try await saveLongRecords(store)
    var updated = records[20]
    updated.transition(to: .lost, at: time(5000))
    try await store.save(updated)
    await store.saveIndexSnapshot()
    // The superseded first line of rec-30, far before the checksum window, becomes a line of a
    // record the snapshot has never seen: only a scan of the file finds it.
    var lines = try directory.lines()
    let dead = try #require(lines.firstIndex { $0.contains(#""id":"rec-30""#) })
    lines[dead] = lines[dead].replacingOccurrences(of: #""id":"rec-30""#, with: #""id":"new-30""#)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.history))
    try handle.write(contentsOf: Data((lines.joined(separator: "\n") + "\n").utf8))
    try handle.close()
    try restamp(directory)

    let compacting = try await openStore(directory)
    #expect(await compacting.openedFromSnapshot)
    try await compacting.compact()
    let afterCompaction = try await openStore(directory)
    #expect(await afterCompaction.count == records.count + 1)
    #expect(try await afterCompaction.record(id: "new-30")?.prompt == records[20].prompt)
    #expect(try await afterCompaction.record(id: "rec-30") == updated)
    for record in records where record.id != "rec-30" {
      #expect(try await afterCompaction.record(id: record.id) == record)
    }
  }
}
