#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import FalProtocol

#if canImport(Glibc)
  import Glibc
#endif

/// The history of generations: a JSON Lines file that never loses an acknowledged entry.
///
/// `history.jsonl` holds one full snapshot of a record per line; the last line of an id wins and a
/// tombstone line deletes. Appending a snapshot (not rewriting the file) keeps a save as cheap at
/// 100,000 records as at 10, and a crash can at worst tear the line being written, which is read
/// around and kept aside in `history.jsonl.corrupt`.
///
/// Several studio processes may share one history (two ssh sessions on one box). Every write and
/// every compaction holds an exclusive `flock` on `history.jsonl.lock`, a file that is never
/// replaced (a lock on `history.jsonl` itself would be lost when a compaction renames a new file
/// over it). Reads hold the shared lock while they catch up from the last offset read to the end of
/// the file, and notice another process's compaction by the file's inode changing or its size
/// shrinking.
///
/// The index keeps a few fields per record (``HistorySummary``) and the offset of its latest line;
/// full records are decoded one at a time, when asked for.
public actor HistoryStore {
  /// The studio's data directory (`$XDG_DATA_HOME/magi-studio`).
  public nonisolated let directory: String
  /// `history.jsonl` in ``directory``.
  public nonisolated let path: String
  /// Where unreadable lines are copied before being read around.
  public nonisolated let corruptPath: String
  nonisolated let lockPath: String
  nonisolated let compactPath: String
  /// `history.index`: the saved index of a large history (see ``saveIndexSnapshot()``).
  nonisolated let snapshotPath: String

  /// Lines that could not be read (torn by a crash, garbled), each kept aside in ``corruptPath``.
  public private(set) var warnings: [HistoryWarning] = []
  /// Why the last automatic catch-up with the file failed, if it did (queries then answer from memory).
  public private(set) var lastRefreshError: HistoryStoreError?

  private var fd: Int32 = -1
  private var writable = false
  private var lockFD: Int32 = -1
  private var device: UInt64 = 0
  private var inode: UInt64 = 0
  /// Bytes of complete lines read so far; the next catch-up starts here.
  private var scannedOffset: Int64 = 0
  private var scannedLines = 0
  /// Lines written by a newer release: kept, never compacted away.
  private var futureLines = 0
  private var index = HistoryIndex()
  /// Changes not yet on disk because the last write failed, oldest first.
  private var pending: [(id: String, change: Change)] = []
  private var pendingSlots: [String: Int] = [:]
  private var corruptFound: [CorruptLine] = []
  private var reportedCorrupt: Set<CorruptKey> = []
  private let autoCompactMinimumBytes: Int64
  private let snapshotMinimumBytes: Int64
  /// How recent a write to the history must be for its times not to be recorded in a snapshot.
  private let racySeconds: Int64
  /// Whether the open started from `history.index` (tests check that it is really used).
  private(set) var openedFromSnapshot = false
  /// Whether the open hashed the part of the history its snapshot covers (the file had changed
  /// since the snapshot's stamp); tests check that the stamp is then renewed.
  private(set) var snapshotPrefixRehashed = false
  /// Lines the open parsed: all of them without a snapshot, the ones appended after it with one.
  private(set) var linesScannedAtOpen = 0
  /// Bytes the open parsed; when large, a ``saveIndexSnapshot()`` spares the next open that work.
  public private(set) var bytesScannedAtOpen: Int64 = 0
  /// Whether the index's offsets came from a snapshot (until the next full scan).
  private var indexFromSnapshot = false
  private let encoder = HistoryLine.encoder()
  private let decoder = HistoryLine.decoder()

  private enum Change {
    case record(GenerationRecord, line: [UInt8])
    case tombstone(line: [UInt8])
  }

  private struct CorruptKey: Hashable, Codable {
    var device: UInt64
    var inode: UInt64
    var offset: Int64
  }

  private struct CorruptLine {
    var key: CorruptKey
    var line: Int
    var bytes: [UInt8]
    var reason: String
    var warning: Int
  }

  /// Opens (creating if needed) the history in `directory`, reading its index.
  ///
  /// - Parameters:
  ///   - directory: the studio's data directory; created with mode 0700 if missing.
  ///   - autoCompactMinimumBytes: a file at least this big whose dead lines (superseded snapshots,
  ///     tombstones) make up more than half of it is compacted while opening.
  /// - Throws: ``HistoryStoreError`` when the directory or file cannot be created or read. A
  ///   read-only history opens fine; saving to it throws.
  public init(directory: String, autoCompactMinimumBytes: Int = 1 << 20) async throws(HistoryStoreError) {
    try await self.init(directory: directory, autoCompactMinimumBytes: autoCompactMinimumBytes, snapshotMinimumBytes: 4 << 20)
  }

  /// - Parameters:
  ///   - snapshotMinimumBytes: the smallest history worth a snapshot (tests use a few bytes).
  ///   - racySeconds: see ``HistoryIndexSnapshot/FileStamp/recording(_:racySeconds:)`` (tests of
  ///     the stamp's renewal use -1, as if the last write were long ago).
  init(
    directory: String, autoCompactMinimumBytes: Int, snapshotMinimumBytes: Int, racySeconds: Int = 1
  ) async throws(HistoryStoreError) {
    var directory = directory
    while directory.count > 1, directory.hasSuffix("/") { directory.removeLast() }
    self.directory = directory
    path = directory + "/history.jsonl"
    corruptPath = path + ".corrupt"
    lockPath = path + ".lock"
    compactPath = path + ".compact"
    snapshotPath = directory + "/history.index"
    self.autoCompactMinimumBytes = Int64(autoCompactMinimumBytes)
    self.snapshotMinimumBytes = Int64(snapshotMinimumBytes)
    self.racySeconds = Int64(racySeconds)
    try Self.makeDirectory(directory)
    lockFD = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    if lockFD < 0 { lockFD = open(lockPath, O_RDONLY | O_CLOEXEC) }
    if access(compactPath, F_OK) == 0 {
      // A compaction that died before its rename: the old file is intact, the copy is garbage.
      try lock(LOCK_EX)
      unlink(compactPath)
      unlock()
    }
    try openFile()
    try lock(LOCK_SH)
    do {
      loadSnapshot()
      let (lines, bytes) = (scannedLines, scannedOffset)
      try scanToEnd()
      linesScannedAtOpen = scannedLines - lines
      bytesScannedAtOpen = scannedOffset - bytes
    } catch {
      unlock()
      throw error
    }
    unlock()
    try? keepAside()
    let dead = scannedOffset - index.liveBytes
    if writable, scannedOffset >= self.autoCompactMinimumBytes, dead * 2 > scannedOffset {
      do {
        try compactNow()
      } catch {
        lastRefreshError = error
      }
    }
  }

  deinit {
    if fd >= 0 { close(fd) }
    if lockFD >= 0 { close(lockFD) }
  }

  // MARK: Writing

  /// Saves a snapshot of `record` (replacing any earlier one of its id); returns once it is on disk.
  ///
  /// Call it before the network submit (status `submitting`) and after each change of the job, so
  /// that a crash at any point leaves the request id findable.
  ///
  /// - Throws: ``HistoryStoreError`` when the file cannot be written (full or read-only disk). The
  ///   record is then kept in memory (``HistorySummary/isSaved`` is false) and written by the next
  ///   successful save or ``flush()``.
  public func save(_ record: GenerationRecord) async throws(HistoryStoreError) {
    try saveNow([record])
  }

  /// Saves many snapshots with one write and one `fsync` (imports, migrations, benchmarks).
  public func save(contentsOf records: [GenerationRecord]) async throws(HistoryStoreError) {
    try saveNow(records)
  }

  /// Writes the changes that a failed write left in memory; a no-op when there are none.
  public func flush() async throws(HistoryStoreError) {
    try flushPending()
  }

  /// How many changes exist only in memory.
  public var unsavedCount: Int { pending.count }

  /// Deletes a record by appending a tombstone.
  ///
  /// - Parameter removeVideo: also delete the record's downloaded video, but only when it lies
  ///   inside ``directory``: the studio never deletes a file it did not put there.
  public func delete(id: String, removeVideo: Bool = false) async throws(HistoryStoreError) -> HistoryDeletion {
    refreshQuietly()
    guard index.entry(id) != nil else { return HistoryDeletion(found: false, video: .kept) }
    let video = removeVideo ? (try? loadRecord(id))?.localFile?.path : nil
    stage(id, .tombstone(line: HistoryLine.tombstone(id: id, at: Date())))
    index.remove(id)
    try flushPending()
    guard let video else { return HistoryDeletion(found: true, video: .kept) }
    if let other = recordUsing(video) { return HistoryDeletion(found: true, video: .sharedWith(other)) }
    return HistoryDeletion(found: true, video: removeOwnedFile(video))
  }

  private func saveNow(_ records: [GenerationRecord]) throws(HistoryStoreError) {
    var lines: [[UInt8]] = []
    lines.reserveCapacity(records.count)
    for record in records {
      do {
        lines.append(try HistoryLine.encode(record, with: encoder))
      } catch {
        throw HistoryStoreError(.encode, path: path, reason: "record \(record.id): \(error)")
      }
    }
    for (record, line) in zip(records, lines) {
      stage(record.id, .record(record, line: line))
      index.upsert(HistoryLine.head(of: record), offset: 0, length: 0, pending: true)
    }
    try flushPending()
  }

  private func stage(_ id: String, _ change: Change) {
    if let slot = pendingSlots[id] {
      pending[slot].change = change
    } else {
      pendingSlots[id] = pending.count
      pending.append((id, change))
    }
  }

  /// Appends every pending change as one `write` under the exclusive lock, then `fsync`s.
  private func flushPending() throws(HistoryStoreError) {
    guard !pending.isEmpty else { return }
    try lock(LOCK_EX)
    defer { unlock() }
    try refreshLocked()
    try makeWritable()
    let size = try fileSize()
    var bytes: [UInt8] = []
    // A torn last line (no newline) must not glue onto ours: end it first; it stays kept aside.
    if size > 0, try byte(at: size - 1) != 0x0A { bytes.append(0x0A) }
    for (_, change) in pending {
      switch change {
      case .record(_, let line), .tombstone(let line): bytes.append(contentsOf: line)
      }
      bytes.append(0x0A)
    }
    let failure: Int32? = bytes.withUnsafeBytes { buffer in
      var written = 0
      while written < buffer.count {
        let count = write(fd, buffer.baseAddress! + written, buffer.count - written)
        if count < 0, errno == EINTR { continue }
        if count <= 0 { return count < 0 ? errno : ENOSPC }
        written += count
      }
      return nil
    }
    if let failure {
      // Leave no partial line behind: the next write will carry these changes again.
      _ = ftruncate(fd, off_t(size))
      throw HistoryStoreError(.write, path: path, code: failure)
    }
    if fsync(fd) != 0 {
      // The bytes may or may not be on disk; writing them again later only adds a duplicate snapshot.
      throw HistoryStoreError(.sync, path: path, code: errno)
    }
    pending.removeAll()
    pendingSlots.removeAll()
    try refreshLocked()
    try? keepAsideLocked()
  }

  private func makeWritable() throws(HistoryStoreError) {
    guard !writable else { return }
    let reopened = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0o600)
    guard reopened >= 0 else { throw HistoryStoreError(.write, path: path, code: errno) }
    var info = stat()
    guard fstat(reopened, &info) == 0 else {
      close(reopened)
      throw HistoryStoreError(.write, path: path, code: errno)
    }
    if fd >= 0, info.st_ino == inode, info.st_dev == device {
      close(fd)
      fd = reopened
      writable = true
    } else {
      // A different file than the one indexed (it was created or replaced): index it afresh.
      close(reopened)
      try reload(writableOnly: true)
    }
  }

  // MARK: Reading

  /// Catches up with lines other processes appended, or reloads after another process compacted.
  public func refresh() async throws(HistoryStoreError) {
    try refreshShared()
  }

  /// The full record, decoded from its latest line; nil for an unknown or deleted id.
  public func record(id: String) async throws(HistoryStoreError) -> GenerationRecord? {
    refreshQuietly()
    return try loadRecord(id)
  }

  /// One page of summaries matching `query`, newest first, from the index alone.
  public func query(_ query: HistoryQuery = .all) async -> HistoryPage {
    refreshQuietly()
    return index.query(query)
  }

  /// The number of live records (after catching up with other processes).
  public var count: Int {
    refreshQuietly()
    return index.count
  }

  /// Writes every record matching `query` (paging ignored) as one JSON array, newest first, to the
  /// file at `path` (replaced). Streams record by record, so memory does not grow with the history.
  ///
  /// - Returns: how many records were written.
  @discardableResult
  public func export(to path: String, matching query: HistoryQuery = .all) async throws(HistoryStoreError) -> Int {
    let out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard out >= 0 else { throw HistoryStoreError(.export, path: path, code: errno) }
    defer { close(out) }
    let count = try exportNow(to: out, path: path, matching: query)
    guard fsync(out) == 0 else { throw HistoryStoreError(.export, path: path, code: errno) }
    return count
  }

  /// Writes every record matching `query` as one JSON array to an open descriptor (a pipe, stdout).
  @discardableResult
  public func export(toFileDescriptor descriptor: Int32, matching query: HistoryQuery = .all) async throws(
    HistoryStoreError
  ) -> Int {
    try exportNow(to: descriptor, path: "file descriptor \(descriptor)", matching: query)
  }

  private func exportNow(to out: Int32, path outPath: String, matching query: HistoryQuery) throws(HistoryStoreError)
    -> Int
  {
    refreshQuietly()
    var query = query
    query.offset = 0
    let ids = index.matchingIDs(query)
    var buffer: [UInt8] = Array("[".utf8)
    buffer.reserveCapacity(1 << 20)
    func drain(_ force: Bool) throws(HistoryStoreError) {
      guard force || buffer.count >= 1 << 20 else { return }
      if let failure = Self.writeAll(out, buffer) { throw HistoryStoreError(.export, path: outPath, code: failure) }
      buffer.removeAll(keepingCapacity: true)
    }
    var written = 0
    for id in ids {
      let line: [UInt8]
      if let slot = pendingSlots[id], case .record(_, let pendingLine) = pending[slot].change {
        line = pendingLine
      } else if let stored = try storedLine(id) {
        // Lines are copied without a decode (fast), so only one that is valid UTF-8 and whole JSON
        // goes out as is; a damaged one gives way to the record's last good snapshot.
        if String(validating: stored.bytes, as: UTF8.self) != nil,
          stored.bytes.withUnsafeBytes({ HistoryLine.isComplete($0) })
        {
          line = stored.bytes
        } else if let fallback = try lastValidSnapshot(of: id, damaged: stored) {
          line = fallback.line
        } else {
          continue
        }
      } else {
        continue
      }
      buffer.append(contentsOf: written == 0 ? Array("\n".utf8) : Array(",\n".utf8))
      buffer.append(contentsOf: line)
      written += 1
      try drain(false)
    }
    buffer.append(contentsOf: Array((written == 0 ? "]\n" : "\n]\n").utf8))
    try drain(true)
    return written
  }

  private func loadRecord(_ id: String) throws(HistoryStoreError) -> GenerationRecord? {
    if let slot = pendingSlots[id] {
      if case .record(let record, _) = pending[slot].change { return record }
      return nil
    }
    guard let (bytes, offset) = try storedLine(id) else { return nil }
    let record: GenerationRecord
    do {
      record = try decoder.decode(GenerationRecord.self, from: Data(bytes))
    } catch {
      // Damaged behind a readable head: the record is what its last good snapshot says.
      if let fallback = try lastValidSnapshot(of: id, damaged: (bytes, offset)) { return fallback.record }
      throw HistoryStoreError(.read, path: path, reason: "the line at byte \(offset) is not a valid record: \(error)")
    }
    // The head said so already; the full decode must agree before anything of it is returned.
    guard record.id == id else {
      throw HistoryStoreError(.read, path: path, reason: "the line at byte \(offset) holds record \(record.id), not \(id)")
    }
    return record
  }

  /// The latest line of `id` on disk (nil when it has none), checked to be a line of `id`.
  ///
  /// An index loaded from `history.index` is trusted only as far as the snapshot's checks reach; a
  /// file edited in place behind them would make an offset point at another record's line. Such an
  /// index is dropped with its snapshot and rebuilt from the file, once, before answering.
  private func storedLine(_ id: String) throws(HistoryStoreError) -> (bytes: [UInt8], offset: Int64)? {
    var rebuilt = false
    while true {
      guard let entry = index.entry(id) else { return nil }
      let bytes: [UInt8]
      do throws(HistoryStoreError) {
        bytes = try readLine(at: entry.offset, length: entry.length)
      } catch {
        guard indexFromSnapshot, !rebuilt else { throw error }
        try reindexFromFile()
        rebuilt = true
        continue
      }
      if lineID(bytes) == id { return (bytes, entry.offset) }
      guard !rebuilt else {
        throw HistoryStoreError(.read, path: path, reason: "the line at byte \(entry.offset) is not a line of record \(id)")
      }
      try reindexFromFile()
      rebuilt = true
    }
  }

  /// The id of a record line (nil for a tombstone or an unreadable line).
  private func lineID(_ line: [UInt8]) -> String? {
    line.withUnsafeBytes { raw in
      switch HistoryLine.scanHead(raw) {
      case .record(let head)?: return head.id
      case .tombstone?: return nil
      case nil:
        guard case .line(.record(let head)) = HistoryLine.decodeFully(raw, with: decoder) else { return nil }
        return head.id
      }
    }
  }

  /// The last line of `id` before its damaged latest one that decodes as a record of `id`, found by
  /// reading the file up to it; the index then points there. The damaged line is reported and kept
  /// aside like any unreadable one. Nil when there is none (or a tombstone comes after it).
  ///
  /// Only for a line that passed the scanner's checks yet cannot be read (edited or damaged in
  /// place): rare, so a pass over the file's start is a fair price for not losing the record.
  private func lastValidSnapshot(of id: String, damaged: (bytes: [UInt8], offset: Int64)) throws(HistoryStoreError)
    -> (record: GenerationRecord, line: [UInt8])?
  {
    var found: (record: GenerationRecord, line: [UInt8], offset: Int64)?
    var lineNumber = 0
    let needle = Array(id.utf8)
    var position: Int64 = 0
    var carry: [UInt8] = []
    while position < damaged.offset {
      let count = Int(min(1 << 20, damaged.offset - position))
      var block = carry
      block += try readLine(at: position, length: count)
      position += Int64(count)
      var start = 0
      while let newline = block[start...].firstIndex(of: 0x0A) {
        let line = Array(block[start..<newline])
        let lineOffset = position - Int64(block.count) + Int64(start)
        lineNumber += 1
        start = newline + 1
        // A cheap first look: only lines holding the id's bytes are decoded.
        guard line.withUnsafeBytes({ HistoryIndex.contains($0, needle) }) else { continue }
        switch line.withUnsafeBytes({ HistoryLine.decodeFully($0, with: decoder) }) {
        case .line(.tombstone(let lineID)) where lineID == id:
          found = nil
        case .line(.record(let head)) where head.id == id:
          if let record = try? decoder.decode(GenerationRecord.self, from: Data(line)), record.id == id {
            found = (record, line, lineOffset)
          }
        default:
          break
        }
      }
      carry = Array(block[start...])
    }
    noteCorrupt(damaged.bytes, offset: damaged.offset, lineNumber: lineNumber + 1, reason: "not a valid history record")
    guard let found else { return nil }
    index.upsert(HistoryLine.head(of: found.record), offset: found.offset, length: found.line.count, pending: false)
    return (found.record, found.line)
  }

  /// Forgets `history.index` and indexes the whole file again.
  private func reindexFromFile() throws(HistoryStoreError) {
    unlink(snapshotPath)
    try lock(LOCK_SH)
    defer { unlock() }
    try reload(writableOnly: false)
  }

  private func readLine(at offset: Int64, length: Int) throws(HistoryStoreError) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: length)
    let failure: Int32? = bytes.withUnsafeMutableBytes { buffer in
      var done = 0
      while done < length {
        let count = pread(fd, buffer.baseAddress! + done, length - done, off_t(offset) + off_t(done))
        if count < 0, errno == EINTR { continue }
        if count <= 0 { return count < 0 ? errno : EIO }
        done += count
      }
      return nil
    }
    if let failure { throw HistoryStoreError(.read, path: path, code: failure) }
    return bytes
  }

  // MARK: Compaction

  /// Rewrites the file with only the latest snapshot of each live record.
  ///
  /// The new file is written beside the old one, `fsync`ed, renamed over it and the directory
  /// `fsync`ed, all under the exclusive lock: a crash at any point leaves either the old file or the
  /// new one, whole. Superseded snapshots, tombstones and (already kept aside) corrupt lines go.
  public func compact() async throws(HistoryStoreError) {
    try compactNow()
  }

  private func compactNow() throws(HistoryStoreError) {
    try lock(LOCK_EX)
    defer { unlock() }
    try refreshLocked()
    // Compaction copies every line by its offset: it must not trust a snapshot's offsets blindly.
    if indexFromSnapshot { try reload(writableOnly: false) }
    try? keepAsideLocked()
    guard futureLines == 0 else {
      throw HistoryStoreError(
        .compact, path: path, reason: "\(futureLines) lines were written by a newer release; leaving the file as is")
    }
    let out = open(compactPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard out >= 0 else { throw HistoryStoreError(.compact, path: compactPath, code: errno) }
    var moved: [(HistoryLine.Head, Int64, Int)] = []
    var written: Int64 = 0
    do throws(HistoryStoreError) {
      // File order first, then in-memory changes: a later line keeps winning.
      let onDisk = index.entries.filter { !$0.removed && !$0.pending }.sorted { $0.offset < $1.offset }
      var buffer: [UInt8] = []
      buffer.reserveCapacity(1 << 20)
      func append(_ head: HistoryLine.Head, _ line: [UInt8]) throws(HistoryStoreError) {
        moved.append((head, written, line.count))
        buffer.append(contentsOf: line)
        buffer.append(0x0A)
        written += Int64(line.count + 1)
        if buffer.count >= 1 << 20 {
          if let failure = Self.writeAll(out, buffer) { throw HistoryStoreError(.compact, path: compactPath, code: failure) }
          buffer.removeAll(keepingCapacity: true)
        }
      }
      for entry in onDisk {
        try append(index.head(of: entry), try readLine(at: entry.offset, length: entry.length))
      }
      for (_, change) in pending {
        if case .record(let record, let line) = change { try append(HistoryLine.head(of: record), line) }
      }
      if let failure = Self.writeAll(out, buffer) { throw HistoryStoreError(.compact, path: compactPath, code: failure) }
      guard fsync(out) == 0 else { throw HistoryStoreError(.compact, path: compactPath, code: errno) }
      guard rename(compactPath, path) == 0 else { throw HistoryStoreError(.compact, path: path, code: errno) }
    } catch {
      close(out)
      unlink(compactPath)
      throw error
    }
    close(out)
    Self.syncDirectory(directory)
    // It describes the file just replaced.
    unlink(snapshotPath)
    // Point at the new file, which holds exactly these records: the index starts again from them
    // (deleted entries and their bytes go too).
    if fd >= 0 { close(fd) }
    fd = -1
    try openFile()
    pending.removeAll()
    pendingSlots.removeAll()
    index.removeAll()
    index.reserveCapacity(moved.count)
    for (head, offset, length) in moved {
      index.upsert(head, offset: offset, length: length, pending: false)
    }
    scannedOffset = written
    scannedLines = moved.count
    // The new file's index is known exactly: saved now, the next open need not parse it all.
    try? saveSnapshotLocked()
  }

  // MARK: Index snapshot

  /// Saves the index as `history.index`, so that the next open parses only the lines written after
  /// now: at 100,000 records the full parse is most of the time to the studio's first complete frame.
  ///
  /// Does nothing for a small history (it opens fast anyway), while changes wait in memory (a
  /// snapshot describes the file, not memory), or when the snapshot on disk is up to date. A failure
  /// is not reported: the next open then scans the whole file, as it would without a snapshot.
  public func saveIndexSnapshot() async {
    guard HistoryIndexSnapshot.isSupported, pending.isEmpty else { return }
    do throws(HistoryStoreError) {
      // Exclusive: no compaction can replace the file between the checksum and the rename, and no
      // other process writes `history.index.tmp` at the same time.
      try lock(LOCK_EX)
      defer { unlock() }
      try refreshLocked()
      try saveSnapshotLocked()
    } catch {
      return
    }
  }

  /// ``saveIndexSnapshot()`` with the exclusive lock already held and the index caught up.
  private func saveSnapshotLocked() throws(HistoryStoreError) {
    // Lines not yet kept aside would never be reported again by an open that starts past them.
    guard HistoryIndexSnapshot.isSupported, fd >= 0, pending.isEmpty, corruptFound.isEmpty,
      scannedOffset >= snapshotMinimumBytes
    else { return }
    let coverage = HistoryIndexSnapshot.Coverage(
      device: device, inode: inode, scannedOffset: scannedOffset, scannedLines: scannedLines, futureLines: futureLines)
    guard HistoryIndexSnapshot.coverage(at: snapshotPath) != coverage else { return }
    try HistoryIndexSnapshot.save(
      index.storage, coverage: coverage, history: fd, to: snapshotPath, racySeconds: racySeconds)
  }

  /// Starts the index from `history.index` when it describes the file just opened; the caller
  /// holds the shared lock and then scans whatever follows the snapshot.
  private func loadSnapshot() {
    guard fd >= 0, HistoryIndexSnapshot.isSupported else { return }
    switch HistoryIndexSnapshot.load(from: snapshotPath, history: fd, device: device, inode: inode) {
    case .loaded(let loaded, let coverage, let rehashed):
      if rehashed {
        HistoryIndexSnapshot.restamp(at: snapshotPath, history: fd, verified: coverage, racySeconds: racySeconds)
      }
      snapshotPrefixRehashed = rehashed
      index = loaded
      scannedOffset = coverage.scannedOffset
      scannedLines = coverage.scannedLines
      futureLines = coverage.futureLines
      indexFromSnapshot = true
      openedFromSnapshot = true
    case .unusable:
      unlink(snapshotPath)
    case .missing, .foreign:
      break
    }
  }

  // MARK: Catching up with the file

  /// Catches up, remembering (not throwing) a failure: a list can still be shown from memory.
  private func refreshQuietly() {
    do {
      try refreshShared()
      lastRefreshError = nil
    } catch {
      lastRefreshError = error
    }
  }

  private func refreshShared() throws(HistoryStoreError) {
    try lock(LOCK_SH)
    do {
      try refreshLocked()
    } catch {
      unlock()
      throw error
    }
    unlock()
    try keepAside()
  }

  /// Reads new lines, or everything again if the file was replaced or shrank. Needs a lock held.
  private func refreshLocked() throws(HistoryStoreError) {
    var info = stat()
    if stat(path, &info) != 0 {
      guard errno == ENOENT else { throw HistoryStoreError(.read, path: path, code: errno) }
      if fd >= 0 || scannedOffset > 0 { try reload(writableOnly: false) }
      return
    }
    if fd < 0 || UInt64(info.st_ino) != inode || UInt64(info.st_dev) != device || Int64(info.st_size) < scannedOffset {
      try reload(writableOnly: false)
      return
    }
    try scanToEnd()
  }

  /// Drops the index (keeping in-memory changes) and reads the file at `path` from the start.
  private func reload(writableOnly: Bool) throws(HistoryStoreError) {
    if fd >= 0 { close(fd) }
    fd = -1
    writable = false
    try openFile()
    if writableOnly, !writable { throw HistoryStoreError(.write, path: path, code: EACCES) }
    index.removeAll()
    indexFromSnapshot = false
    futureLines = 0
    for (_, change) in pending {
      if case .record(let record, _) = change {
        index.upsert(HistoryLine.head(of: record), offset: 0, length: 0, pending: true)
      }
    }
    try scanToEnd()
  }

  /// Opens `history.jsonl`, which must be a regular file: a FIFO, a device (`/dev/null`) or a
  /// directory there would swallow records or block, so it is refused with its kind named.
  /// `O_NONBLOCK` keeps the open itself from waiting for a FIFO's writer.
  private func openFile() throws(HistoryStoreError) {
    let existed = access(path, F_OK) == 0
    fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0o600)
    writable = fd >= 0
    if fd < 0 {
      let failure = errno
      guard failure == EACCES || failure == EROFS || failure == EPERM else {
        throw HistoryStoreError(.open, path: path, code: failure)
      }
      // Read-only: still show the history; saving will report the problem.
      fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
      if fd < 0, errno != ENOENT { throw HistoryStoreError(.open, path: path, code: errno) }
    } else if !existed {
      // The new file's directory entry must survive a crash too.
      Self.syncDirectory(directory)
    }
    scannedOffset = 0
    scannedLines = 0
    device = 0
    inode = 0
    guard fd >= 0 else { return }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw HistoryStoreError(.open, path: path, code: errno) }
    guard info.st_mode & S_IFMT == S_IFREG else {
      close(fd)
      fd = -1
      throw HistoryStoreError(.open, path: path, reason: "not a regular file but \(Self.kind(of: info.st_mode))")
    }
    device = UInt64(info.st_dev)
    inode = UInt64(info.st_ino)
  }

  private static func kind(of mode: mode_t) -> String {
    switch mode & S_IFMT {
    case S_IFIFO: "a FIFO"
    case S_IFCHR: "a character device"
    case S_IFBLK: "a block device"
    case S_IFDIR: "a directory"
    case S_IFSOCK: "a socket"
    default: "something else"
    }
  }

  private func fileSize() throws(HistoryStoreError) -> Int64 {
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw HistoryStoreError(.read, path: path, code: errno) }
    return Int64(info.st_size)
  }

  private func byte(at offset: Int64) throws(HistoryStoreError) -> UInt8 {
    try readLine(at: offset, length: 1)[0]
  }

  /// Indexes every complete line from `scannedOffset` to the end of the file, in blocks.
  private func scanToEnd() throws(HistoryStoreError) {
    guard fd >= 0 else { return }
    // Work on a local index: per-line access to the actor's stored property costs a dynamic
    // exclusivity check each time, a tenth of an open at 100,000 lines.
    var index = self.index
    self.index = HistoryIndex()
    var lines = scannedLines
    let pendingIDs = pendingSlots
    defer {
      self.index = index
      scannedLines = lines
    }
    let end = try fileSize()
    guard end > scannedOffset else { return }
    // Blocks of 2 MiB: big enough to split across cores, small enough to stay in cache while parsed.
    var buffer = [UInt8](repeating: 0, count: Int(min(end - scannedOffset, 2 << 20)))
    var bufferStart = scannedOffset
    var filled = 0
    var consumed = 0
    while true {
      if consumed > 0 {
        let keep = filled - consumed
        buffer.withUnsafeMutableBytes { raw in
          _ = memmove(raw.baseAddress!, raw.baseAddress! + consumed, keep)
        }
        bufferStart += Int64(consumed)
        filled = keep
        consumed = 0
      }
      if filled == buffer.count { buffer.append(contentsOf: repeatElement(0, count: buffer.count)) }
      let want = Int(min(Int64(buffer.count - filled), end - (bufferStart + Int64(filled))))
      if want == 0 { break }
      let count = buffer.withUnsafeMutableBytes { raw in
        pread(fd, raw.baseAddress! + filled, want, off_t(bufferStart) + off_t(filled))
      }
      if count < 0 {
        if errno == EINTR { continue }
        throw HistoryStoreError(.read, path: path, code: errno)
      }
      if count == 0 { break }
      filled += count
      let pieces: [HistoryScanner.Piece] = buffer.withUnsafeBytes { raw in
        // Only whole lines: up to the last newline read so far.
        guard let last = raw[0..<filled].lastIndex(of: 0x0A) else { return [] }
        consumed = last + 1
        return HistoryScanner.parse(UnsafeRawBufferPointer(rebasing: raw[0..<consumed]), base: bufferStart)
      }
      if index.count == 0, bufferStart == scannedOffset, let first = pieces.first, first.lineCount > 0 {
        // A first open: size the index from this block's lines per byte.
        let perBlock = pieces.reduce(0) { $0 + $1.lineCount }
        index.reserveCapacity(Int((end - scannedOffset) * Int64(perBlock) / Int64(max(1, consumed))) + 16)
      }
      buffer.withUnsafeBytes { block in
        for piece in pieces {
          ingest(piece, block: block, firstLine: lines, pending: pendingIDs, into: &index)
          lines += piece.lineCount
        }
      }
    }
    scannedOffset = bufferStart + Int64(consumed)
    if filled > consumed {
      // Bytes after the last newline while no writer holds the lock: a line torn by a crash.
      let tail = Array(buffer[consumed..<filled])
      noteCorrupt(tail, offset: scannedOffset, lineNumber: lines + 1, reason: "torn last line (no newline)")
    }
  }

  /// Takes a parsed piece of `block` into the index, in file order; `firstLine` is the number of
  /// lines before it.
  private func ingest(
    _ piece: HistoryScanner.Piece, block: UnsafeRawBufferPointer, firstLine: Int, pending: [String: Int],
    into index: inout HistoryIndex
  ) {
    piece.scratch.withUnsafeBytes { scratch in
      func bytes(_ text: HistoryLine.Text) -> UnsafeRawBufferPointer {
        switch text {
        case .line(let range): UnsafeRawBufferPointer(rebasing: block[range])
        case .decoded(let range): UnsafeRawBufferPointer(rebasing: scratch[range])
        }
      }
      // An id with a change waiting in memory keeps that change: it is newer than any line.
      func isPending(_ id: UnsafeRawBufferPointer) -> Bool {
        !pending.isEmpty && pending[String(decoding: id, as: UTF8.self)] != nil
      }
      for line in piece.lines {
        switch line {
        case .record(let fields, let id, let prompt, let offset, let length):
          let id = bytes(id)
          if !isPending(id) {
            index.upsert(fields, id: id, prompt: bytes(prompt), offset: offset, length: length, pending: false)
          }
        case .tombstone(let id):
          let id = bytes(id)
          if !isPending(id) { index.remove(id) }
        case .future:
          futureLines += 1
        case .invalid(let offset, let number, let bytes):
          noteCorrupt(bytes, offset: offset, lineNumber: firstLine + number, reason: "not a valid history record")
        }
      }
    }
  }

  // MARK: Keeping bad lines aside

  private func noteCorrupt(_ bytes: [UInt8], offset: Int64, lineNumber: Int, reason: String) {
    let key = CorruptKey(device: device, inode: inode, offset: offset)
    guard reportedCorrupt.insert(key).inserted else { return }
    warnings.append(HistoryWarning(line: lineNumber, offset: offset, reason: reason, keptAside: nil))
    corruptFound.append(
      CorruptLine(key: key, line: lineNumber, bytes: bytes, reason: reason, warning: warnings.count - 1))
  }

  private func keepAside() throws(HistoryStoreError) {
    guard !corruptFound.isEmpty else { return }
    try lock(LOCK_EX)
    defer { unlock() }
    try keepAsideLocked()
  }

  /// One kept-aside line in `history.jsonl.corrupt` (JSON Lines, like the history).
  private struct KeptLine: Codable {
    var device: UInt64
    var inode: UInt64
    var offset: Int64
    var line: Int?
    var found: String?
    var reason: String?
    /// The line's text when it is valid UTF-8; otherwise `base64` holds its bytes.
    var text: String?
    var base64: String?
  }

  /// Appends the lines found unreadable to `history.jsonl.corrupt`, once each across processes (the
  /// exclusive lock is held; lines already there, by file and offset, are not added again).
  private func keepAsideLocked() throws(HistoryStoreError) {
    guard !corruptFound.isEmpty else { return }
    let out = open(corruptPath, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
    guard out >= 0 else { throw HistoryStoreError(.write, path: corruptPath, code: errno) }
    defer { close(out) }
    var known: Set<CorruptKey> = []
    if let existing = Self.readAll(out) {
      for line in existing.split(separator: 0x0A) {
        if let kept = try? decoder.decode(KeptLine.self, from: Data(line)) {
          known.insert(CorruptKey(device: kept.device, inode: kept.inode, offset: kept.offset))
        }
      }
    }
    let plain = JSONEncoder()
    plain.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    var bytes: [UInt8] = []
    for found in corruptFound where !known.contains(found.key) {
      let text = String(validating: found.bytes, as: UTF8.self)
      let kept = KeptLine(
        device: found.key.device, inode: found.key.inode, offset: found.key.offset, line: found.line,
        found: Timestamp.format(Date()), reason: found.reason, text: text,
        base64: text == nil ? Data(found.bytes).base64EncodedString() : nil)
      guard let encoded = try? plain.encode(kept) else { continue }
      bytes.append(contentsOf: encoded)
      bytes.append(0x0A)
    }
    if !bytes.isEmpty {
      if let failure = Self.writeAll(out, bytes) { throw HistoryStoreError(.write, path: corruptPath, code: failure) }
      guard fsync(out) == 0 else { throw HistoryStoreError(.sync, path: corruptPath, code: errno) }
    }
    for found in corruptFound { warnings[found.warning].keptAside = corruptPath }
    corruptFound.removeAll()
  }

  // MARK: Files

  private func lock(_ operation: Int32) throws(HistoryStoreError) {
    // Without a lock file (a read-only directory that never had one) nobody can write anyway.
    guard lockFD >= 0 else { return }
    while flock(lockFD, operation) != 0 {
      if errno == EINTR { continue }
      throw HistoryStoreError(.lock, path: lockPath, code: errno)
    }
  }

  private func unlock() {
    if lockFD >= 0 { _ = flock(lockFD, LOCK_UN) }
  }

  /// A live record whose video is `file`, if any. Only lines that mention the file's name are
  /// decoded, so a delete stays quick in a large history.
  private func recordUsing(_ file: String) -> String? {
    let name = Array((file.split(separator: "/").last.map(String.init) ?? file).utf8)
    let target = Self.realPath(file) ?? file
    for id in index.matchingIDs(HistoryQuery(limit: Int.max)) {
      let line: [UInt8]
      if let slot = pendingSlots[id] {
        guard case .record(_, let pendingLine) = pending[slot].change else { continue }
        line = pendingLine
      } else if let stored = try? storedLine(id) {
        line = stored.bytes
      } else {
        continue
      }
      guard !name.isEmpty, line.firstRange(of: name) != nil else { continue }
      guard let other = (try? loadRecord(id))?.localFile?.path else { continue }
      if other == file || (Self.realPath(other) ?? other) == target { return id }
    }
    return nil
  }

  private func removeOwnedFile(_ file: String) -> HistoryDeletion.Video {
    let absolute = file.hasPrefix("/") ? file : directory + "/" + file
    guard let resolvedDirectory = Self.realPath(directory) else { return .failed("cannot resolve \(directory)") }
    guard let resolved = Self.realPath(absolute) else {
      return errno == ENOENT ? .missing : .failed(String(cString: strerror(errno)))
    }
    guard resolved.hasPrefix(resolvedDirectory + "/") else { return .refusedOutsideDataDirectory(resolved) }
    if unlink(resolved) != 0 {
      return errno == ENOENT ? .missing : .failed(String(cString: strerror(errno)))
    }
    return .removed
  }

  private static func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
  }

  private static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Int32? {
    bytes.withUnsafeBytes { buffer in
      var written = 0
      while written < buffer.count {
        let count = write(descriptor, buffer.baseAddress! + written, buffer.count - written)
        if count < 0, errno == EINTR { continue }
        if count <= 0 { return count < 0 ? errno : ENOSPC }
        written += count
      }
      return nil
    }
  }

  private static func readAll(_ descriptor: Int32) -> [UInt8]? {
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 << 10)
    var offset: off_t = 0
    while true {
      let count = chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress!, $0.count, offset) }
      if count < 0 { if errno == EINTR { continue } else { return nil } }
      if count == 0 { return result }
      result.append(contentsOf: chunk[0..<count])
      offset += off_t(count)
    }
  }

  private static func syncDirectory(_ directory: String) {
    let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard descriptor >= 0 else { return }
    _ = fsync(descriptor)
    close(descriptor)
  }

  private static func makeDirectory(_ directory: String) throws(HistoryStoreError) {
    guard !directory.isEmpty else { throw HistoryStoreError(.createDirectory, path: directory, reason: "empty path") }
    var partial = directory.hasPrefix("/") ? "" : "."
    for component in directory.split(separator: "/", omittingEmptySubsequences: true) {
      partial += "/" + component
      if mkdir(partial, 0o700) != 0, errno != EEXIST {
        throw HistoryStoreError(.createDirectory, path: partial, code: errno)
      }
    }
  }
}
