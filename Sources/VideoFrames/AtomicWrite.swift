import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Whole-file writes that readers see complete or not at all: a temporary file in the same
/// directory, written, then renamed over the target.
///
/// A target that exists and is not a regular file (`-o /dev/null`, `/dev/stdout`, a FIFO) is
/// written in place instead: a rename would replace the device or pipe itself with a regular
/// file, which for a root user's `/dev/null` broke every program on the machine that opens it.
enum AtomicWrite {
  static func write(_ bytes: [UInt8], to path: String) throws(PreviewError) {
    var status = stat()
    if stat(path, &status) == 0, status.st_mode & S_IFMT != S_IFREG {
      let fd = open(path, O_WRONLY | O_CLOEXEC)
      guard fd >= 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
      let failure = writeAll(bytes, to: fd)
      if close(fd) != 0, failure == 0 { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
      if failure != 0 { throw .cannotWrite(path: path, reason: String(cString: strerror(failure))) }
      return
    }
    let directory = (path as NSString).deletingLastPathComponent
    let temporary = (directory.isEmpty ? "." : directory) + "/.magi-write-\(UUID().uuidString)"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
    var failure = writeAll(bytes, to: fd)
    if close(fd) != 0, failure == 0 { failure = errno }
    if failure == 0, rename(temporary, path) != 0 { failure = errno }
    if failure != 0 {
      unlink(temporary)
      throw .cannotWrite(path: path, reason: String(cString: strerror(failure)))
    }
  }

  /// Writes all of `bytes`; 0, or the errno that stopped it.
  private static func writeAll(_ bytes: [UInt8], to fd: Int32) -> Int32 {
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
    return failure
  }
}
