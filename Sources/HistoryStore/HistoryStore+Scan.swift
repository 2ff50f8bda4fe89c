import HistoryModel
import SystemPackage

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

#if canImport(Glibc)
  import Glibc
#endif

/// Reading `history.jsonl`: catching up with what other processes appended, noticing their
/// compactions, indexing lines in blocks, and reading one record's line back.
extension HistoryStore {
  /// Catches up, remembering (not throwing) a failure: a list can still be shown from memory.
  func refreshQuietly() {
    do {
      try refreshShared()
      lastRefreshError = nil
    } catch {
      lastRefreshError = error
    }
  }

  func refreshShared() throws(HistoryStoreError) {
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
  func refreshLocked() throws(HistoryStoreError) {
    var info = stat()
    if stat(path, &info) != 0 {
      guard errno == ENOENT else { throw HistoryStoreError(.read, path: path, code: errno) }
      if file != nil || scannedOffset > 0 { try reload(writableOnly: false) }
      return
    }
    if file == nil || UInt64(info.st_ino) != inode || UInt64(info.st_dev) != device
      || Int64(info.st_size) < scannedOffset
    {
      try reload(writableOnly: false)
      return
    }
    try scanToEnd()
  }

  /// Drops the index (keeping in-memory changes) and reads the file at `path` from the start.
  func reload(writableOnly: Bool) throws(HistoryStoreError) {
    file = nil
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
  func openFile() throws(HistoryStoreError) {
    let existed = access(path, F_OK) == 0
    scannedOffset = 0
    scannedLines = 0
    device = 0
    inode = 0
    writable = false
    let opened: HistoryFile
    do throws(Errno) {
      opened = try HistoryFile(opening: path, O_RDWR | O_APPEND | O_CREAT | O_NONBLOCK)
      writable = true
      // The new file's directory entry must survive a crash too.
      if !existed { HistoryFile.syncDirectory(directory) }
    } catch {
      guard error == .permissionDenied || error == .readOnlyFileSystem || error == .notPermitted else {
        throw HistoryStoreError(.open, path: path, errno: error)
      }
      // Read-only: still show the history; saving will report the problem.
      do throws(Errno) {
        opened = try HistoryFile(opening: path, O_RDONLY | O_NONBLOCK)
      } catch {
        guard error == .noSuchFileOrDirectory else { throw HistoryStoreError(.open, path: path, errno: error) }
        return
      }
    }
    let info: stat
    do throws(Errno) {
      info = try opened.status()
    } catch {
      throw HistoryStoreError(.open, path: path, errno: error)
    }
    guard info.st_mode & S_IFMT == S_IFREG else {
      writable = false
      throw HistoryStoreError(.open, path: path, reason: "not a regular file but \(Self.kind(of: info.st_mode))")
    }
    device = UInt64(info.st_dev)
    inode = UInt64(info.st_ino)
    file = consume opened
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

  /// Indexes every complete line from `scannedOffset` to the end of the file, in blocks.
  func scanToEnd() throws(HistoryStoreError) {
    guard file != nil else { return }
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
      let count: Int
      do throws(Errno) {
        count = try file?.readSome(into: &buffer, filled..<(filled + want), at: bufferStart + Int64(filled)) ?? 0
      } catch {
        throw HistoryStoreError(.read, path: path, errno: error)
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

  // MARK: One record

  func loadRecord(_ id: String) throws(HistoryStoreError) -> GenerationRecord? {
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
      throw HistoryStoreError(
        .read, path: path, reason: "the line at byte \(offset) holds record \(record.id), not \(id)")
    }
    return record
  }

  /// The latest line of `id` on disk (nil when it has none), checked to be a line of `id`.
  ///
  /// An index loaded from `history.index` is trusted only as far as the snapshot's checks reach; a
  /// file edited in place behind them would make an offset point at another record's line. Such an
  /// index is dropped with its snapshot and rebuilt from the file, once, before answering.
  func storedLine(_ id: String) throws(HistoryStoreError) -> (bytes: [UInt8], offset: Int64)? {
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
        throw HistoryStoreError(
          .read, path: path, reason: "the line at byte \(entry.offset) is not a line of record \(id)")
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
  func lastValidSnapshot(of id: String, damaged: (bytes: [UInt8], offset: Int64)) throws(HistoryStoreError)
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
}
