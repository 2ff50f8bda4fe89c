import FalProtocol
// The store's API speaks in the model's types (records, queries, pages): whoever uses the store
// gets them with it, while code that must not do I/O (StudioUI) imports HistoryModel alone.
@_exported import HistoryModel
import SystemPackage

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

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
///
/// Every method runs on the store's own thread (``HistoryThread``, the actor's executor): waiting
/// for another process's lock, `fsync` and scans never hold a thread of Swift's task pool. The rest
/// of the store is in extensions by concern: scanning the file (`+Scan`), compaction, the index
/// snapshot, keeping bad lines aside (`+Quarantine`), export and deletion.
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
  /// The thread every method of the store runs on.
  nonisolated let thread: HistoryThread

  public nonisolated var unownedExecutor: UnownedSerialExecutor { thread.asUnownedSerialExecutor() }

  /// Lines that could not be read (torn by a crash, garbled), each kept aside in ``corruptPath``.
  public internal(set) var warnings: [HistoryWarning] = []
  /// Why the last automatic catch-up with the file failed, if it did (queries then answer from memory).
  public internal(set) var lastRefreshError: HistoryStoreError?

  /// `history.jsonl`, once opened (nil in a read-only directory that has none).
  var file: HistoryFile?
  var writable = false
  /// `history.jsonl.lock` (nil in a read-only directory that has none: then nobody can write anyway).
  var lockFile: HistoryFile?
  var device: UInt64 = 0
  var inode: UInt64 = 0
  /// Bytes of complete lines read so far; the next catch-up starts here.
  var scannedOffset: Int64 = 0
  var scannedLines = 0
  /// Lines written by a newer release: kept, never compacted away.
  var futureLines = 0
  var index = HistoryIndex()
  /// Changes not yet on disk because the last write failed, oldest first.
  var pending: [(id: String, change: Change)] = []
  var pendingSlots: [String: Int] = [:]
  var corruptFound: [CorruptLine] = []
  var reportedCorrupt: Set<CorruptKey> = []
  let autoCompactMinimumBytes: Int64
  let snapshotMinimumBytes: Int64
  /// How recent a write to the history must be for its times not to be recorded in a snapshot.
  let racySeconds: Int64
  /// Whether the open started from `history.index` (tests check that it is really used).
  var openedFromSnapshot = false
  /// Whether the open hashed the part of the history its snapshot covers (the file had changed
  /// since the snapshot's stamp); tests check that the stamp is then renewed.
  var snapshotPrefixRehashed = false
  /// Lines the open parsed: all of them without a snapshot, the ones appended after it with one.
  var linesScannedAtOpen = 0
  /// Bytes the open parsed; when large, a ``saveIndexSnapshot()`` spares the next open that work.
  public internal(set) var bytesScannedAtOpen: Int64 = 0
  /// Whether the index's offsets came from a snapshot (until the next full scan).
  var indexFromSnapshot = false
  let encoder = HistoryLine.encoder()
  let decoder = HistoryLine.decoder()

  enum Change {
    case record(GenerationRecord, line: [UInt8])
    case tombstone(line: [UInt8])
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
    try await self.init(
      directory: directory, autoCompactMinimumBytes: autoCompactMinimumBytes, snapshotMinimumBytes: 4 << 20)
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
    thread = HistoryThread()
    // Fully initialised: from here on the init runs on the store's thread, so the first scan and any
    // wait for another process's lock do not hold a thread of the pool either.
    try Self.makeDirectory(directory)
    lockFile =
      (try? HistoryFile(opening: lockPath, O_RDWR | O_CREAT)) ?? (try? HistoryFile(opening: lockPath, O_RDONLY))
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
    thread.shutdown()
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

  func stage(_ id: String, _ change: Change) {
    if let slot = pendingSlots[id] {
      pending[slot].change = change
    } else {
      pendingSlots[id] = pending.count
      pending.append((id, change))
    }
  }

  /// Appends every pending change as one `write` under the exclusive lock, then `fsync`s.
  func flushPending() throws(HistoryStoreError) {
    guard !pending.isEmpty else { return }
    try lock(LOCK_EX)
    defer { unlock() }
    try refreshLocked()
    try makeWritable()
    let size = try fileSize()
    var bytes: [UInt8] = []
    // A torn last line (no newline) must not glue onto ours: end it first; it stays kept aside.
    if size > 0, try readLine(at: size - 1, length: 1)[0] != 0x0A { bytes.append(0x0A) }
    for (_, change) in pending {
      switch change {
      case .record(_, let line), .tombstone(let line): bytes.append(contentsOf: line)
      }
      bytes.append(0x0A)
    }
    do throws(Errno) {
      try file?.write(bytes)
    } catch {
      // Leave no partial line behind: the next write will carry these changes again.
      try? file?.truncate(to: size)
      throw HistoryStoreError(.write, path: path, errno: error)
    }
    do throws(Errno) {
      try file?.sync()
    } catch {
      // The bytes may or may not be on disk; writing them again later only adds a duplicate snapshot.
      throw HistoryStoreError(.sync, path: path, errno: error)
    }
    pending.removeAll()
    pendingSlots.removeAll()
    try refreshLocked()
    try? keepAsideLocked()
  }

  private func makeWritable() throws(HistoryStoreError) {
    guard !writable else { return }
    let reopened: HistoryFile
    do throws(Errno) {
      reopened = try HistoryFile(opening: path, O_RDWR | O_APPEND | O_CREAT | O_NONBLOCK)
    } catch {
      throw HistoryStoreError(.write, path: path, errno: error)
    }
    let info: stat
    do throws(Errno) {
      info = try reopened.status()
    } catch {
      throw HistoryStoreError(.write, path: path, errno: error)
    }
    if file != nil, UInt64(info.st_ino) == inode, UInt64(info.st_dev) == device {
      file = consume reopened
      writable = true
    } else {
      // A different file than the one indexed (it was created or replaced): index it afresh.
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

  // MARK: Files

  func lock(_ operation: Int32) throws(HistoryStoreError) {
    do throws(Errno) {
      try lockFile?.lock(operation)
    } catch {
      throw HistoryStoreError(.lock, path: lockPath, errno: error)
    }
  }

  func unlock() {
    lockFile?.unlock()
  }

  func fileSize() throws(HistoryStoreError) -> Int64 {
    do throws(Errno) {
      return try file?.size() ?? 0
    } catch {
      throw HistoryStoreError(.read, path: path, errno: error)
    }
  }

  /// `length` bytes of the history from `offset`.
  func readLine(at offset: Int64, length: Int) throws(HistoryStoreError) -> [UInt8] {
    do throws(Errno) {
      guard let bytes = try file?.read(at: offset, count: length) else { throw Errno.badFileDescriptor }
      return bytes
    } catch {
      throw HistoryStoreError(.read, path: path, errno: error)
    }
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
