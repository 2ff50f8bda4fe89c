import Foundation
import TestSupport
import Testing

@testable import StudioCore

#if canImport(Glibc)
  import Glibc
#endif

@Suite struct RecordLockTests {
  /// Another process's hold on a record's lock, as `flock` sees it: a description of its own.
  final class ForeignHold: Sendable {
    let descriptor: Int32

    init(recordID: String, dataDirectory: String) throws {
      try FileManager.default.createDirectory(atPath: dataDirectory + "/locks", withIntermediateDirectories: true)
      descriptor = open(dataDirectory + "/locks/\(recordID).lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
      guard descriptor >= 0, flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { throw POSIXError(.EBUSY) }
    }

    func release() { close(descriptor) }
  }

  @Test func aWaitForAnotherFollowerEndsWhenItsTaskIsCancelledAndLetsTheLockGoLater() async throws {
    let directory = NSTemporaryDirectory() + "magi-lock-\(UUID().uuidString)"
    let hold = try ForeignHold(recordID: "r1", dataDirectory: directory)
    let cancelled = Recorder<Bool>()
    let waiting = Task {
      do {
        _ = try await RecordLock.acquire(recordID: "r1", dataDirectory: directory, ifBusy: .wait)
        cancelled.append(false)
      } catch {
        if case StudioError.client(.cancelled) = error { cancelled.append(true) } else { cancelled.append(false) }
      }
    }
    waiting.cancel()
    // Bounded: a wait that ignored the cancel would last as long as the other follower.
    #expect(await cancelled.first(within: .seconds(20)) { _ in true } == true)

    // Once the other follower is done, the abandoned wait takes the lock and lets it go at once:
    // the next follower gets it.
    hold.release()
    let acquired = Recorder<Bool>()
    let next = Task {
      let lock = try? await RecordLock.acquire(recordID: "r1", dataDirectory: directory, ifBusy: .wait)
      acquired.append(lock != nil)
    }
    #expect(await acquired.first(within: .seconds(20)) { _ in true } == true)
    next.cancel()
    try? FileManager.default.removeItem(atPath: directory)
  }

  /// A released lock is free even while another copy of its descriptor lives on, as it does in a
  /// child that another thread forked and that has not yet reached exec (posix_spawn's window).
  @Test func aReleasedLockIsFreeWhileACopyOfItsDescriptorLivesOn() async throws {
    let directory = NSTemporaryDirectory() + "magi-lock-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    var copy: Int32 = -1
    do {
      let lock = try #require(await RecordLock.acquire(recordID: "r1", dataDirectory: directory, ifBusy: .skip))
      copy = dup(lock.descriptorForTests)
      #expect(copy >= 0)
    }
    defer { close(copy) }
    let again = try await RecordLock.acquire(recordID: "r1", dataDirectory: directory, ifBusy: .skip)
    #expect(again != nil)
  }
}
