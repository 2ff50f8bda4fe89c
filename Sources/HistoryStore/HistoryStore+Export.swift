import HistoryModel
import SystemPackage

#if canImport(Glibc)
  import Glibc
#endif

/// Export: records as one JSON array, streamed line by line.
extension HistoryStore {
  /// Writes every record matching `query` (paging ignored) as one JSON array, newest first, to the
  /// file at `path` (replaced). Streams record by record, so memory does not grow with the history.
  ///
  /// - Returns: how many records were written.
  @discardableResult
  public func export(to path: String, matching query: HistoryQuery = .all) async throws(HistoryStoreError) -> Int {
    let out: HistoryFile
    do throws(Errno) {
      out = try HistoryFile(opening: path, O_WRONLY | O_CREAT | O_TRUNC)
    } catch {
      throw HistoryStoreError(.export, path: path, errno: error)
    }
    let count = try exportNow(to: out.descriptor, path: path, matching: query)
    do throws(Errno) {
      try out.sync()
    } catch {
      throw HistoryStoreError(.export, path: path, errno: error)
    }
    return count
  }

  /// Writes every record matching `query` as one JSON array to an open descriptor (a pipe, stdout).
  @discardableResult
  public func export(toFileDescriptor descriptor: Int32, matching query: HistoryQuery = .all)
    async throws(HistoryStoreError) -> Int
  {
    try exportNow(to: FileDescriptor(rawValue: descriptor), path: "file descriptor \(descriptor)", matching: query)
  }

  private func exportNow(to out: FileDescriptor, path outPath: String, matching query: HistoryQuery)
    throws(HistoryStoreError) -> Int
  {
    refreshQuietly()
    var query = query
    query.offset = 0
    let ids = index.matchingIDs(query)
    var buffer: [UInt8] = Array("[".utf8)
    buffer.reserveCapacity(1 << 20)
    func drain(_ force: Bool) throws(HistoryStoreError) {
      guard force || buffer.count >= 1 << 20 else { return }
      do throws(Errno) {
        try HistoryFile.writeAll(out, buffer)
      } catch {
        throw HistoryStoreError(.export, path: outPath, errno: error)
      }
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
}
