import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Probed facts of the videos seen in this process, so a second preview of the same file (the
/// sheet, then playback, then the queue's thumbnails) does not read its header again, nor, for a
/// container the MP4 reader leaves to the decoder's probe, start that process again.
///
/// Keyed by path and checked against the file's identity (device, inode, size, modification
/// time), so a file replaced or rewritten under the same name is probed anew. Small and in memory:
/// the facts are a few numbers, and a history of 100,000 records only ever probes what is shown.
final class VideoInfoCache: Sendable {
  /// What a file is, as far as a change of contents goes.
  struct Stamp: Hashable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modified: Int64
    var modifiedNanoseconds: Int64

    /// The stamp of the file at `path` now; nil when there is none.
    init?(path: String) {
      var status = stat()
      guard stat(path, &status) == 0 else { return nil }
      device = UInt64(status.st_dev)
      inode = UInt64(status.st_ino)
      size = Int64(status.st_size)
      modified = Int64(status.st_mtim.tv_sec)
      modifiedNanoseconds = Int64(status.st_mtim.tv_nsec)
    }
  }

  /// Entries kept; past it the cache starts empty again (a simple bound that keeps the memory
  /// flat; a user who browses more videos than this pays one header read each).
  static let limit = 256

  private let entries = Mutex<[String: (stamp: Stamp, info: VideoInfo)]>([:])

  init() {}

  /// The facts stored for `path` if the file is still the one they were read from.
  func info(path: String, stamp: Stamp) -> VideoInfo? {
    entries.withLock { entries in
      guard let entry = entries[path], entry.stamp == stamp else { return nil }
      return entry.info
    }
  }

  func store(_ info: VideoInfo, path: String, stamp: Stamp) {
    entries.withLock { entries in
      if entries.count >= Self.limit, entries[path] == nil { entries.removeAll(keepingCapacity: true) }
      entries[path] = (stamp, info)
    }
  }
}
