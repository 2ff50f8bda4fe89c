import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Whole-file writes that readers see complete or not at all: a temporary file in the same
/// directory, written, then renamed over the target.
enum AtomicWrite {
  static func write(_ bytes: [UInt8], to path: String) throws(PreviewError) {
    let directory = (path as NSString).deletingLastPathComponent
    let temporary = (directory.isEmpty ? "." : directory) + "/.magi-write-\(UUID().uuidString)"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
    var written = 0
    var failure: Int32 = 0
    bytes.withUnsafeBytes { raw in
      while written < raw.count {
        let result = Glibc.write(fd, raw.baseAddress! + written, raw.count - written)
        if result > 0 {
          written += result
        } else if result < 0, errno == EINTR {
          continue
        } else {
          failure = result < 0 ? errno : EIO
          break
        }
      }
    }
    if close(fd) != 0, failure == 0 { failure = errno }
    if failure == 0, rename(temporary, path) != 0 { failure = errno }
    if failure != 0 {
      unlink(temporary)
      throw .cannotWrite(path: path, reason: String(cString: strerror(failure)))
    }
  }
}
