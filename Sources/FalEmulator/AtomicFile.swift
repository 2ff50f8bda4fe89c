import Foundation
import SystemPackage

#if canImport(Glibc)
  import Glibc
#endif

/// Writes that a crash cannot leave half done: the bytes go to a temporary sibling, are flushed to
/// disk when asked, and replace the target with one `rename`, so a reader sees the old file or the
/// new one, never a torn mix.
enum AtomicFile {
  struct WriteError: Error, Sendable, CustomStringConvertible {
    var description: String
  }

  /// Replaces `url` with `data`. With `durable`, the file and its directory are fsynced, so the
  /// change survives a power cut, not only a crash of this process.
  static func write(_ data: Data, to url: URL, durable: Bool) throws(WriteError) {
    let temporary = url.deletingLastPathComponent().appendingPathComponent(
      ".\(url.lastPathComponent).\(UUID().uuidString).tmp")
    let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else { throw WriteError(description: "cannot create \(temporary.path): \(errnoText())") }
    let failure: String? = data.withUnsafeBytes { buffer -> String? in
      do {
        try FileDescriptor(rawValue: descriptor).writeAll(buffer)
      } catch {
        return "\(error)"
      }
      if durable, fsync(descriptor) != 0 { return errnoText() }
      return nil
    }
    close(descriptor)
    if let failure {
      unlink(temporary.path)
      throw WriteError(description: "cannot write \(url.path): \(failure)")
    }
    guard rename(temporary.path, url.path) == 0 else {
      let reason = errnoText()
      unlink(temporary.path)
      throw WriteError(description: "cannot replace \(url.path): \(reason)")
    }
    if durable { syncDirectory(of: url) }
  }

  /// Flushes a finished file's bytes to disk before something durable starts to point at it.
  static func sync(_ url: URL) {
    let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return }
    fsync(descriptor)
    close(descriptor)
  }

  /// Makes a rename or a new entry in the directory holding `url` durable.
  static func syncDirectory(of url: URL) {
    let descriptor = open(url.deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard descriptor >= 0 else { return }
    fsync(descriptor)
    close(descriptor)
  }

  private static func errnoText() -> String {
    String(cString: strerror(errno))
  }
}
