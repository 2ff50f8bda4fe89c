import DedicatedThreads

#if canImport(Glibc)
  import Glibc
#endif

/// One follower per job across processes: two `resume`s (or a `resume` and the `generate --wait`
/// that submitted the job) that followed and downloaded one job at once wrote into one partial
/// file and both reported the other's bytes as a failure.
///
/// An `flock` on `<data dir>/locks/<record id>.lock`, held while the job is followed; the kernel
/// releases it when the process dies, so a crash leaves nothing to clean up. Where no lock file can
/// be made (a read-only data directory) the job is followed unlocked: nothing is written there anyway.
public final class RecordLock: Sendable {
  public enum Busy: Sendable {
    /// Wait for the other follower to finish (its work is then this one's too).
    case wait
    /// Leave the job to the other follower.
    case skip
  }

  private let descriptor: Int32
  /// The descriptor, for the test that copies it as a spawning child would.
  var descriptorForTests: Int32 { descriptor }
  private let path: String

  private init(descriptor: Int32, path: String) {
    self.descriptor = descriptor
    self.path = path
  }

  /// Removes the lock file of a job that needs no more following (final, video saved), so the
  /// directory does not fill with them. A process that opened it meanwhile finds the job done.
  func remove() { unlink(path) }

  /// Unlocks before closing: a child another thread is spawning shares the descriptor's open file
  /// description until its exec closes it, and a close alone would leave the lock held through it.
  deinit { Self.release(descriptor) }

  /// Lets a held lock go and closes its descriptor.
  static func release(_ descriptor: Int32) {
    flock(descriptor, LOCK_UN)
    close(descriptor)
  }

  /// - Returns: the held lock, nil when none could be made, or throws `.busy` under `.skip`.
  static func acquire(recordID: String, dataDirectory: String, ifBusy: Busy) async throws(StudioError) -> RecordLock? {
    let directory = dataDirectory + "/locks"
    if mkdir(directory, 0o700) != 0, errno != EEXIST { return nil }
    let safeID = String(recordID.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }.prefix(100))
    let path = directory + "/" + safeID + ".lock"
    let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else { return nil }
    let lock = RecordLock(descriptor: descriptor, path: path)
    if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return lock }
    guard errno == EWOULDBLOCK else { return nil }
    if ifBusy == .skip { throw .busy(recordID) }
    // A blocking flock on a thread of its own, so that waiting holds no Swift thread; on a
    // descriptor of its own, so that a cancelled wait (the studio quitting while another process
    // follows the job) returns at once, and a lock the thread gets after that is let go at once.
    let waiter = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    guard waiter >= 0 else { return nil }
    do {
      _ = try await DedicatedThread.run(named: "magi-record-lock") {
        while flock(waiter, LOCK_EX) != 0, errno == EINTR {}
        return waiter
      } dropped: {
        release($0)
      }
    } catch {
      throw .client(.cancelled)
    }
    return RecordLock(descriptor: waiter, path: path)
  }
}
