import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Writes `text` to `path` as an executable script (mode 0755) whose descriptor no child inherits.
///
/// Foundation's `write(toFile:atomically:)` opens the file without `O_CLOEXEC` (`mkstemp` or a
/// plain `open`). Tests run in parallel and spawn processes all the time: a child forked while the
/// script is being written keeps it open for writing for its whole life, and every exec of the
/// script meanwhile fails with ETXTBSY ("Text file busy"). CI saw exactly that: a fake `xdg-open`
/// written by one test was never run because another test's CLI child held it. Opened with
/// `O_CLOEXEC`, the descriptor is gone from every child at its exec.
public func writeScript(_ text: String, to path: String) throws {
  let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
  guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
  defer { close(descriptor) }
  var bytes = Array(text.utf8)[...]
  while !bytes.isEmpty {
    let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    if written < 0, errno == EINTR { continue }
    guard written > 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    bytes = bytes.dropFirst(written)
  }
  // An existing file keeps its old mode through O_CREAT.
  guard fchmod(descriptor, 0o755) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
}
