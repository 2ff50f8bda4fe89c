import Digest
import FalProtocol
import Foundation
import HistoryStore
import Synchronization
import Testing

@testable import StudioCore

/// Nothing of the job flow blocks Swift's task pool: the studio's whole flow (submit → follow →
/// download → record, against the in-process emulator) runs on a pool of one thread while another
/// process compacts the history (its exclusive lock held, as a compaction holds it for as long as it
/// runs) and a 500 MiB hash, started from that same thread, is in progress.
///
/// The compaction comes first: the flow's first step (open the history, write the record before
/// any request) must wait for the lock, and while it waits the one pool thread must be free: the
/// test's own next step runs on it and only then lets the lock go. Had the history waited for its
/// lock on the pool, that step could never run.
///
/// The hash reads a resumed download's part through the same entry the generation runner uses
/// (``DownloadDigest/absorbPrefix(of:)``), from a FIFO whose bytes are written only once the flow
/// has finished: if the hash ran on the pool (or on an actor there), it would hold the only
/// thread waiting for bytes that come only after the flow. No sleeps: the order is forced, not
/// timed (a one-minute deadline only turns that deadlock into a failure).
@Suite struct PoolOfOneThreadTests {
  static let executor = OneThreadExecutor()
  static let hashSize: Int64 = 500 << 20
  /// `head -c 524288000 /dev/zero | sha256sum`
  static let zerosDigest = "a08a92258f621b55d08ad1e84c90c2ea6286fc6b6c9a4dfa7156afb16c190170"

  @Test(.timeLimit(.minutes(2)))
  func theJobFlowFinishesOnOnePoolThreadWhileAHistoryCompactionAndA500MiBHashAreInProgress() async throws {
    let harness = try await GenerationRunnerTests.Harness.start()
    try FileManager.default.createDirectory(atPath: harness.directory, withIntermediateDirectories: true)
    let compaction = try #require(HeldLock(path: harness.directory + "/history.jsonl.lock"))
    let part = harness.directory + "/resumed.mp4.part"
    #expect(mkfifo(part, 0o600) == 0)
    let hashFinished = Flag()
    let flowDone = Flag()
    let digest = DownloadDigest()
    // The 500 MiB come from a thread of their own (a write to a FIFO blocks until it is read) once
    // the flow has finished; after a minute without that, they come anyway, so that a hash stuck on
    // the pool thread makes this test fail (the flow then finishes after the hash) instead of hang.
    let flowFinished = DispatchSemaphore(value: 0)
    let size = Self.hashSize
    let writer = Task {
      await IOThread.run {
        _ = flowFinished.wait(timeout: .now() + 60)
        return Self.writeZeros(to: part, count: size)
      }
    }
    try await withTaskExecutorPreference(Self.executor) {
      #expect(OneThreadExecutor.isCurrent, "the test runs on the one pool thread")
      async let hashing: Void = Self.absorb(part, into: digest, then: hashFinished)

      async let flowing = Self.runFlow(harness, finished: flowDone)
      // Behind the hash and the flow in the one thread's queue: runs only if neither holds the thread.
      await Task.yield()
      #expect(OneThreadExecutor.isCurrent)
      #expect(!flowDone.isSet, "the flow cannot pass the history while the compaction holds its lock")
      compaction.release()
      let done = try await flowing
      #expect(done.status == .completed)
      let local = try #require(done.localFile)
      #expect(local.sha256 == SHA256.hexDigest(ofFile: local.path))
      #expect(OneThreadExecutor.isCurrent)
      #expect(!hashFinished.isSet, "the flow finished while the hash was waiting for its bytes")
      flowFinished.signal()
      await hashing
    }
    #expect(await writer.value)
    #expect(hashFinished.isSet)
    #expect(digest.hexDigest(ofSize: Self.hashSize) == Self.zerosDigest)
    await harness.emulator.stop()
  }

  /// Submit → follow → video on disk, as the studio runs it.
  private static func runFlow(_ harness: GenerationRunnerTests.Harness, finished: Flag) async throws -> GenerationRecord
  {
    let runner = try await harness.runner()
    let submitted = try await runner.submit(
      MagiRequest(endpoint: MagiEndpoint(mode: .textToVideo), prompt: "a harbour"))
    let done = try await runner.follow(recordID: submitted.id)
    finished.set()
    return done
  }

  private static func absorb(_ path: String, into digest: DownloadDigest, then finished: Flag) async {
    await digest.absorbPrefix(of: path)
    finished.set()
  }

  private static func writeZeros(to path: String, count: Int64) -> Bool {
    let descriptor = open(path, O_WRONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return false }
    defer { close(descriptor) }
    let zeros = [UInt8](repeating: 0, count: 1 << 20)
    var left = count
    while left > 0 {
      let piece = Int(min(left, Int64(zeros.count)))
      let written = zeros.withUnsafeBytes { write(descriptor, $0.baseAddress, piece) }
      if written < 0, errno == EINTR { continue }
      guard written > 0 else { return false }
      left -= Int64(written)
    }
    return true
  }
}

/// An exclusive `flock` on a file, as another process's compaction holds the history's lock, until
/// ``release()``, or a minute at most: a history that waited for the lock on the pool thread would
/// otherwise hang the test instead of failing it. (A separate open file description: it conflicts
/// with the store's own, as another process's would.)
final class HeldLock: Sendable {
  private let descriptor: Mutex<Int32?>

  init?(path: String) {
    let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    guard fd >= 0 else { return nil }
    guard flock(fd, LOCK_EX) == 0 else {
      close(fd)
      return nil
    }
    descriptor = Mutex(fd)
    DispatchQueue.global().asyncAfter(deadline: .now() + 60) { [self] in release() }
  }

  func release() {
    if let fd = descriptor.withLock({ $0.take() }) { close(fd) }
  }
}

final class Flag: Sendable {
  private let value = Atomic<Bool>(false)
  func set() { value.store(true, ordering: .sequentiallyConsistent) }
  var isSet: Bool { value.load(ordering: .sequentiallyConsistent) }
}

/// A task executor with one thread: Swift's cooperative pool at its narrowest.
final class OneThreadExecutor: TaskExecutor, @unchecked Sendable {
  // @unchecked Sendable: `jobs` is touched only with `condition` locked.
  private let condition = NSCondition()
  private var jobs: [UnownedJob] = []
  private static let threadName = "one-pool"

  init() {
    Thread { [self] in
      // Named from inside: Foundation on Linux does not pass a name set before `start` to the kernel.
      try? Self.threadName.write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
      run()
    }.start()
  }

  func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    condition.lock()
    jobs.append(job)
    condition.signal()
    condition.unlock()
  }

  private func run() {
    while true {
      condition.lock()
      while jobs.isEmpty { condition.wait() }
      let job = jobs.removeFirst()
      condition.unlock()
      job.runSynchronously(on: asUnownedTaskExecutor())
    }
  }

  /// Whether the caller runs on the executor's thread.
  static var isCurrent: Bool {
    let comm = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
    return comm.hasPrefix(threadName)
  }
}
