import Foundation
import Synchronization
import Testing

@testable import QuietExecutor

#if canImport(Glibc)
  import Glibc
#endif

@Suite struct JobQueueTests {
  @Test func fifoKeepsOrderAcrossCompaction() {
    var fifo = FIFO<Int>()
    var popped: [Int] = []
    for value in 0..<200 {
      fifo.append(value)
      if value % 3 == 0, let first = fifo.popFirst() { popped.append(first) }
    }
    while let value = fifo.popFirst() { popped.append(value) }
    #expect(popped == Array(0..<200))
    #expect(fifo.isEmpty)
  }

  @Test func heapReleasesOnlyDueElementsEarliestFirstTiesInOrder() {
    var heap = DeadlineHeap<String>()
    heap.insert("c", deadline: 30)
    heap.insert("a", deadline: 10)
    heap.insert("b1", deadline: 20)
    heap.insert("b2", deadline: 20)
    heap.insert("d", deadline: 40)
    #expect(heap.earliest == 10)
    #expect(heap.popDue(now: 5) == nil)
    var due: [String] = []
    while let element = heap.popDue(now: 30) { due.append(element) }
    #expect(due == ["a", "b1", "b2", "c"])
    #expect(heap.earliest == 40)
    #expect(heap.count == 1)
  }

  @Test func negativeAndHugeDelays() {
    let now = QuietTaskExecutor.monotonicNanoseconds()
    #expect(QuietTaskExecutor.deadline(after: .milliseconds(-5)) >= now)
    #expect(QuietTaskExecutor.deadline(after: .milliseconds(-5)) < now + 1_000_000_000)
    #expect(QuietTaskExecutor.deadline(after: .seconds(Int64.max)) > now + 3_000_000_000_000_000_000)
  }
}

/// The executor as a task executor preference, so that these tests leave the test process's own
/// default executor alone.
// Serialized: its tests share `executor` and count its threads' wake-ups; another test's tasks on
// it would be wake-ups too.
@Suite(.serialized) struct QuietTaskExecutorTests {
  static let executor = QuietTaskExecutor(threads: 2, name: "qe-test")

  @Test func runsTasksOnItsThreads() async {
    let (sum, threadNames) = await withTaskExecutorPreference(Self.executor) {
      await withTaskGroup(of: (Int, String).self) { group in
        for value in 1...500 { group.addTask { (value, currentThreadName()) } }
        var sum = 0
        var names: Set<String> = []
        for await (value, name) in group {
          sum += value
          names.insert(name)
        }
        return (sum, names)
      }
    }
    #expect(sum == 125_250)
    #expect(threadNames.allSatisfy { $0.hasPrefix("qe-test-") && $0 != "qe-test-timer" })
  }

  @Test func sleepsWaitOnItsTimerThreadAndWakeInDeadlineOrder() async throws {
    let woke = Recorder()
    let start = ContinuousClock.now
    let sleepers = Task(executorPreference: Self.executor) {
      try await withThrowingTaskGroup(of: Void.self) { group in
        for milliseconds in [90, 30, 60] {
          group.addTask {
            try await Task.sleep(for: .milliseconds(milliseconds))
            woke.append(milliseconds)
          }
        }
        try await group.waitForAll()
      }
    }
    // The three sleeps are held by this executor's timer thread, not by libdispatch. (This task has
    // no preference, so its own short sleeps are libdispatch's.)
    var pending = 0
    for _ in 0..<500 where pending < 3 {
      pending = Self.executor.delayedCount
      if pending < 3 { try await Task.sleep(for: .milliseconds(1)) }
    }
    #expect(pending == 3)
    try await sleepers.value
    #expect(woke.values == [30, 60, 90])
    #expect(ContinuousClock.now - start >= .milliseconds(90))
  }

  /// Idle, no thread of the executor can wake by itself: each waits in the kernel with no deadline
  /// (a futex wait without a timeout), so only new work ends the wait. A condition waited for, not
  /// a window of time in which nothing happened to wake them.
  @Test func idleThreadsWaitWithoutADeadline() async throws {
    // Some work and a sleep first, so that every thread has run (and the timer thread had a deadline).
    try await withTaskExecutorPreference(Self.executor) {
      await withTaskGroup(of: Void.self) { group in
        for _ in 0..<100 { group.addTask {} }
      }
      try await Task.sleep(for: .milliseconds(10))
    }
    var waits: [String: String] = [:]
    let end = ContinuousClock.now + .seconds(10)
    repeat {
      waits = systemCallsOfThreads(named: "qe-test-")
      if waits.count == 3, waits.values.allSatisfy(isFutexWaitWithoutTimeout) { break }
      try await Task.sleep(for: .milliseconds(5))
    } while ContinuousClock.now < end
    #expect(waits.count == 3, "\(waits)")
    #expect(waits.values.allSatisfy(isFutexWaitWithoutTimeout), "threads not parked for good: \(waits)")
  }
}

private final class Recorder: Sendable {
  private let storage = Mutex<[Int]>([])
  var values: [Int] { storage.withLock { $0 } }
  func append(_ value: Int) { storage.withLock { $0.append(value) } }
}

private func currentThreadName() -> String {
  (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8))?
    .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
}

/// What each of this process's threads whose name starts with `prefix` is doing in the kernel
/// (`/proc/self/task/ID/syscall`: the call's number and arguments, or `running`), by thread id.
private func systemCallsOfThreads(named prefix: String) -> [String: String] {
  let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
  var calls: [String: String] = [:]
  for tid in tasks {
    guard
      let name = try? String(contentsOfFile: "/proc/self/task/\(tid)/comm", encoding: .utf8),
      name.hasPrefix(prefix),
      let call = try? String(contentsOfFile: "/proc/self/task/\(tid)/syscall", encoding: .utf8)
    else { continue }
    calls[tid] = call.trimmingCharacters(in: .whitespacesAndNewlines)
  }
  return calls
}

/// Whether a `/proc/…/syscall` line is `futex(addr, op, value, NULL, …)`: a wait with no timeout,
/// as `pthread_cond_wait` makes it.
private func isFutexWaitWithoutTimeout(_ call: String) -> Bool {
  #if arch(x86_64)
    let futex = "202"
  #elseif arch(arm64)
    let futex = "98"
  #endif
  let fields = call.split(separator: " ")
  return fields.count > 4 && fields[0] == futex && fields[4] == "0x0"
}

/// `installAsDefault()` in a process of its own (`quiet-executor-probe`), as `magi-studio` calls it.
@Suite struct InstallAsDefaultTests {
  @Test func tasksAndSleepsRunOnTheQuietPoolOfAFreshProcess() async throws {
    let output = try await runProbe()
    #expect(output.hasPrefix("installed=true task=magi-task-"), "\(output)")
    #expect(output.contains(" after-sleep=magi-task-"), "\(output)")
    #expect(!output.contains("magi-task-timer"), "jobs must not run on the timer thread: \(output)")
  }

  /// Runs the probe next to this test binary; waits through the termination handler, so no pool
  /// thread is held while it runs.
  private func runProbe() async throws -> String {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
      .deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("quiet-executor-probe").path),
      directory.path != "/"
    {
      directory.deleteLastPathComponent()
    }
    let process = Process()
    process.executableURL = directory.appendingPathComponent("quiet-executor-probe")
    let out = Pipe()
    process.standardOutput = out
    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
      process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
      do { try process.run() } catch { continuation.resume(throwing: error) }
    }
    #expect(status == 0)
    let data = out.fileHandleForReading.readDataToEndOfFile()
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
  }
}
