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
  /// - Parameters:
  ///   - removeVideo: also delete the record's downloaded video, but only when it lies inside
  ///     ``directory`` or `videosDirectory`: the studio never deletes a file it did not put there.
  ///   - videosDirectory: where the studio writes its videos when that is outside the data
  ///     directory (`videos_dir`, `--videos-dir`): its files are the studio's too.
  public func delete(
    id: String, removeVideo: Bool = false, videosDirectory: String? = nil
  ) async throws(HistoryStoreError) -> HistoryDeletion {
    refreshQuietly()
    guard index.entry(id) != nil else { return HistoryDeletion(found: false, video: .kept) }
    let video = removeVideo ? (try? loadRecord(id))?.localFile?.path : nil
    stage(id, .tombstone(line: HistoryLine.tombstone(id: id, at: Date())))
    index.remove(id)
    try flushPending()
    guard let video else { return HistoryDeletion(found: true, video: .kept) }
    if let other = recordUsing(video) { return HistoryDeletion(found: true, video: .sharedWith(other)) }
    return HistoryDeletion(found: true, video: removeOwnedFile(video, videosDirectory: videosDirectory))
  }

  /// Deletes a record's video but keeps the record (a compare's discarded results): the record
  /// then says when its video was discarded, and nothing fetches it again.
  ///
  /// The file goes only when the store owns it (inside ``directory``) and no other record uses
  /// it; a shared file stays for the other record while this one lets go of it. A file outside
  /// the directory, or one that cannot be removed, leaves the record as it was.
  /// - Returns: what happened (`found` is false when no record has the id).
  public func discardVideo(id: String, videosDirectory: String? = nil) async throws(HistoryStoreError)
    -> HistoryDeletion
  {
    refreshQuietly()
    guard index.entry(id) != nil, var record = try loadRecord(id) else {
      return HistoryDeletion(found: false, video: .kept)
    }
    guard let file = record.localFile?.path else {
      return HistoryDeletion(found: true, video: record.videoDiscardedAt == nil ? .kept : .missing)
    }
    let video: HistoryDeletion.Video =
      if let other = recordUsing(file, other: id) {
        .sharedWith(other)
      } else {
        removeOwnedFile(file, videosDirectory: videosDirectory)
      }
    switch video {
    case .removed, .missing, .sharedWith:
      let now = GenerationRecord.now()
      record.localFile = nil
      record.videoDiscardedAt = now
      record.updatedAt = now
      try await save(record)
    case .kept, .refusedOutsideDataDirectory, .failed:
      break
    }
    return HistoryDeletion(found: true, video: video)
  }

  /// Stars or unstars a record (the winner of a compare); nil when no record has the id.
  public func setStarred(id: String, _ starred: Bool) async throws(HistoryStoreError) -> GenerationRecord? {
    refreshQuietly()
    guard index.entry(id) != nil, var record = try loadRecord(id) else { return nil }
    guard record.starred != starred else { return record }
    record.starred = starred
    record.updatedAt = GenerationRecord.now()
    try await save(record)
    return record
  }

  /// A live record other than `other` whose video is `file`, if any. Only lines that mention the
  /// file's name are decoded, so a delete stays quick in a large history.
  private func recordUsing(_ file: String, other: String? = nil) -> String? {
    let name = Array((file.split(separator: "/").last.map(String.init) ?? file).utf8)
    let target = Self.realPath(file) ?? file
    for id in index.matchingIDs(HistoryQuery(limit: Int.max)) where id != other {
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

  private func removeOwnedFile(_ file: String, videosDirectory: String?) -> HistoryDeletion.Video {
    let absolute = file.hasPrefix("/") ? file : directory + "/" + file
    guard let resolvedDirectory = Self.realPath(directory) else { return .failed("cannot resolve \(directory)") }
    guard let resolved = Self.realPath(absolute) else {
      return errno == ENOENT ? .missing : .failed(String(cString: strerror(errno)))
    }
    let owned = [resolvedDirectory] + (videosDirectory.flatMap(Self.realPath).map { [$0] } ?? [])
    guard owned.contains(where: { resolved.hasPrefix($0 + "/") }) else { return .refusedOutsideDataDirectory(resolved) }
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
