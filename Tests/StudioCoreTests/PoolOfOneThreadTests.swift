import Digest
import FalProtocol
import Foundation
import Synchronization
import Testing

@testable import StudioCore

/// Nothing of the job flow blocks Swift's task pool: the studio's whole flow (submit → follow →
/// download → record, against the in-process emulator) runs on a pool of one thread while a
/// 500 MiB hash, started from that same thread, is in progress.
///
/// The hash reads a resumed download's part through the same entry the generation runner uses
/// (``DownloadDigest/absorbPrefix(of:)``), from a FIFO whose bytes are written only once the flow
/// has finished: if the hash ran on the pool (or on an actor there), it would hold the only
/// thread waiting for bytes that come only after the flow. No sleeps: the order is forced, not
/// timed (a one-minute deadline only turns that deadlock into a failure).
@Suite(.serialized) struct PoolOfOneThreadTests {
  static let executor = OneThreadExecutor()
  static let hashSize: Int64 = 500 << 20
  /// `head -c 524288000 /dev/zero | sha256sum`
  static let zerosDigest = "a08a92258f621b55d08ad1e84c90c2ea6286fc6b6c9a4dfa7156afb16c190170"

  @Test(.timeLimit(.minutes(2)))
  func theJobFlowFinishesOnOnePoolThreadWhileA500MiBHashIsInProgress() async throws {
    let harness = try await GenerationRunnerTests.Harness.start()
    try FileManager.default.createDirectory(atPath: harness.directory, withIntermediateDirectories: true)
    let part = harness.directory + "/resumed.mp4.part"
    #expect(mkfifo(part, 0o600) == 0)
    let hashFinished = Flag()
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

      let coordinator = try await harness.runner()
      let submitted = try await coordinator.submit(MagiRequest(endpoint: MagiEndpoint(mode: .textToVideo), prompt: "a harbour"))
      let done = try await coordinator.follow(recordID: submitted.id)
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
