import Dispatch
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Makes one twin at a time the owner of a state directory: two twins replaying the same queue
/// would run every request twice and overwrite each other's journal.
///
/// An advisory `flock` on `<state>/lock`, released by the kernel when the process ends however it
/// ends, so a crashed twin never leaves the directory locked. A second one, on `<state>/starting`,
/// is held by whoever starts until its port file is written: a twin refused the state then finds
/// the port of the one that owns it (a studio process uses that twin), even on a first start.
final class StateLock: Sendable {
  private let descriptor: Int32
  private let starting: Int32

  /// Waits (off the task pool) while another twin is starting, then takes the state.
  /// - Throws: ``EmulatorError/stateDirectoryInUse(_:)`` when another live twin holds it.
  init(directory: URL) async throws(EmulatorError) {
    let startingPath = directory.appendingPathComponent("starting").path
    let starting = open(startingPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    guard starting >= 0 else {
      throw .dataDirectory("cannot open \(startingPath): \(String(cString: strerror(errno)))")
    }
    if flock(starting, LOCK_EX | LOCK_NB) != 0 {
      await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        DispatchQueue.global().async {
          while flock(starting, LOCK_EX) != 0, errno == EINTR {}
          continuation.resume()
        }
      }
    }
    let path = directory.appendingPathComponent("lock").path
    let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else {
      let reason = String(cString: strerror(errno))
      close(starting)
      throw .dataDirectory("cannot open \(path): \(reason)")
    }
    guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
      close(descriptor)
      close(starting)
      throw .stateDirectoryInUse(directory.path)
    }
    self.descriptor = descriptor
    self.starting = starting
  }

  /// The port file is written: twins that start from now on may read it.
  func started() {
    flock(starting, LOCK_UN)
  }

  deinit {
    // Unlocked before closing: a child spawned by another thread of this process at this moment
    // shares the open file description until its exec closes it, and a close alone would leave the
    // lock held by that copy (a twin restarted at once was then refused its own state).
    flock(descriptor, LOCK_UN)
    flock(starting, LOCK_UN)
    close(descriptor)
    close(starting)
  }
}
