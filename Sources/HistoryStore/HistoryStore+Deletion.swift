import HistoryModel

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

#if canImport(Glibc)
  import Glibc
#endif

/// Deleting a record, and its video when the store may.
extension HistoryStore {
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
}
