#if canImport(Glibc)
  import Glibc
#endif
import Foundation

/// Makes one twin at a time the owner of a state directory: two twins replaying the same queue
/// would run every request twice and overwrite each other's journal.
///
/// An advisory `flock` on `<state>/lock`, released by the kernel when the process ends however it
/// ends, so a crashed twin never leaves the directory locked.
final class StateLock: Sendable {
  private let descriptor: Int32

  /// - Throws: ``EmulatorError/stateDirectoryInUse(_:)`` when another live twin holds it.
  init(directory: URL) throws(EmulatorError) {
    let path = directory.appendingPathComponent("lock").path
    let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else {
      throw .dataDirectory("cannot open \(path): \(String(cString: strerror(errno)))")
    }
    guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
      close(descriptor)
      throw .stateDirectoryInUse(directory.path)
    }
    self.descriptor = descriptor
  }

  deinit {
    close(descriptor)
  }
}
