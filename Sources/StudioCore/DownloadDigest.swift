import Digest
import FalClient
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// The SHA-256 of a video, computed while its download streams to disk instead of by reading the
/// whole file again afterwards (seconds for a large one).
///
/// The bytes arrive through the download's ``FileSinkObserver`` on the transport's thread; a
/// resumed download's kept part is hashed first, on a thread of its own (``absorbPrefix(of:length:)``).
/// A retry that writes again from the resume point starts over from the state saved there, a
/// restart from byte 0 from nothing; any other jump leaves no digest, and the caller hashes the file.
final class DownloadDigest: Sendable {
  private struct State: Sendable {
    /// The state after the kept part, nil when that part could not be read (or nettle, which
    /// hashes, cannot be loaded: the caller then hashes nothing and the record has no digest).
    var resumePoint: SHA256? = try? SHA256()
    /// The state after every byte written so far, nil after a jump it cannot follow.
    var current: SHA256? = try? SHA256()
  }

  private let state = Mutex(State())

  /// Hashes what `path` holds (the `.part` file a resumed download appends to; nothing when there
  /// is none) on a thread of its own.
  func absorbPrefix(of path: String) async {
    let prefix = await IOThread.run { () -> SHA256? in
      guard var hasher = try? SHA256() else { return nil }
      // No file: nothing is kept, and the download writes from byte 0.
      guard access(path, F_OK) == 0 else { return hasher }
      return hasher.update(readingFile: path) ? hasher : nil
    }
    state.withLock { $0 = State(resumePoint: prefix, current: prefix) }
  }

  /// Feeds bytes the download wrote at `offset` (the transport's thread).
  func wrote(at offset: Int64, _ bytes: UnsafeRawBufferPointer) {
    state.withLock { state in
      if state.current?.count != offset {
        if let resumePoint = state.resumePoint, resumePoint.count == offset {
          state.current = resumePoint
        } else if offset == 0 {
          state.current = try? SHA256()
        } else {
          state.current = nil
          return
        }
      }
      state.current?.update(bytes)
    }
  }

  /// The observer to hand the download.
  var observer: FileSinkObserver {
    { [self] offset, bytes in wrote(at: offset, bytes) }
  }

  /// The digest, if the bytes fed are exactly a file of `size` bytes.
  func hexDigest(ofSize size: Int64) -> String? {
    state.withLock { state in
      guard let current = state.current, current.count == size else { return nil }
      return current.hexDigest()
    }
  }

  /// The digest of the whole file at `path`, read on a thread of its own; nil if unreadable.
  static func hexDigest(ofFile path: String) async -> String? {
    await IOThread.run { SHA256.hexDigest(ofFile: path) }
  }
}
