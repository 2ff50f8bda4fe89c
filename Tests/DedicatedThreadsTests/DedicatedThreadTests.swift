import DedicatedThreads
import Dispatch
import TestSupport
import Testing

@Suite struct DedicatedThreadTests {
  @Test func theWorkRunsOnANamedThreadOfItsOwn() async throws {
    let name = try await DedicatedThread.run(named: "magi-test") { currentThreadName() }
    #expect(name == "magi-test")
  }

  @Test func aCancelledWaitReturnsWhileTheCallStillBlocks() async throws {
    let release = DispatchSemaphore(value: 0)
    let started = Recorder<Bool>()
    let dropped = Recorder<Int>()
    let waiting = Task {
      try await DedicatedThread.run(named: "magi-blocked") {
        started.append(true)
        release.wait()
        return 1
      } dropped: {
        dropped.append($0)
      }
    }
    #expect(await started.first { $0 } == true)
    waiting.cancel()
    await #expect(throws: CancellationError.self) { try await waiting.value }
    release.signal()
    // The result nobody waits for is handed over, to be let go.
    #expect(await dropped.first { $0 == 1 } != nil)
  }

  /// Many calls that each block at once do not wait for one another, nor for a pool thread.
  @Test func blockingCallsDoNotQueueBehindEachOther() async throws {
    let count = 8
    let gate = DispatchSemaphore(value: 0)
    let arrived = Recorder<Int>()
    try await withThrowingTaskGroup(of: Int.self) { group in
      for index in 0..<count {
        group.addTask {
          try await DedicatedThread.run(named: "magi-gate") {
            arrived.append(index)
            gate.wait()
            return index
          }
        }
      }
      // All of them are blocked at the same time before any is let go.
      #expect(await arrived.count(reaching: count))
      for _ in 0..<count { gate.signal() }
      var finished = 0
      for try await _ in group { finished += 1 }
      #expect(finished == count)
    }
  }
}
