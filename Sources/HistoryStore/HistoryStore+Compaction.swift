import HistoryModel
import SystemPackage

#if canImport(Glibc)
  import Glibc
#endif

/// Compaction: the file rewritten with only the latest snapshot of each live record.
extension HistoryStore {
  /// Rewrites the file with only the latest snapshot of each live record.
  ///
  /// The new file is written beside the old one, `fsync`ed, renamed over it and the directory
  /// `fsync`ed, all under the exclusive lock: a crash at any point leaves either the old file or the
  /// new one, whole. Superseded snapshots, tombstones and (already kept aside) corrupt lines go.
  public func compact() async throws(HistoryStoreError) {
    try compactNow()
  }

  func compactNow() throws(HistoryStoreError) {
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
    let out: HistoryFile
    do throws(Errno) {
      out = try HistoryFile(opening: compactPath, O_WRONLY | O_CREAT | O_TRUNC)
    } catch {
      throw HistoryStoreError(.compact, path: compactPath, errno: error)
    }
    var moved: [(HistoryLine.Head, Int64, Int)] = []
    var written: Int64 = 0
    do throws(HistoryStoreError) {
      // File order first, then in-memory changes: a later line keeps winning.
      let onDisk = index.entries.filter { !$0.removed && !$0.pending }.sorted { $0.offset < $1.offset }
      var buffer: [UInt8] = []
      buffer.reserveCapacity(1 << 20)
      func drain() throws(HistoryStoreError) {
        do throws(Errno) {
          try out.write(buffer)
        } catch {
          throw HistoryStoreError(.compact, path: compactPath, errno: error)
        }
        buffer.removeAll(keepingCapacity: true)
      }
      func append(_ head: HistoryLine.Head, _ line: [UInt8]) throws(HistoryStoreError) {
        moved.append((head, written, line.count))
        buffer.append(contentsOf: line)
        buffer.append(0x0A)
        written += Int64(line.count + 1)
        if buffer.count >= 1 << 20 { try drain() }
      }
      for entry in onDisk {
        try append(index.head(of: entry), try readLine(at: entry.offset, length: entry.length))
      }
      for (_, change) in pending {
        if case .record(let record, let line) = change { try append(HistoryLine.head(of: record), line) }
      }
      try drain()
      do throws(Errno) {
        try out.sync()
      } catch {
        throw HistoryStoreError(.compact, path: compactPath, errno: error)
      }
      guard rename(compactPath, path) == 0 else { throw HistoryStoreError(.compact, path: path, code: errno) }
    } catch {
      unlink(compactPath)
      throw error
    }
    HistoryFile.syncDirectory(directory)
    // It describes the file just replaced.
    unlink(snapshotPath)
    // Point at the new file, which holds exactly these records: the index starts again from them
    // (deleted entries and their bytes go too).
    file = nil
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
}
