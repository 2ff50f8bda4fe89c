import FalProtocol
import Foundation
import Testing

@testable import FalEmulator

/// The queue's timing rules on a manual clock: minimum time in queue, priority, start deadlines.
@Suite struct QueueRealismTests {
  /// Which jobs the test has released (shared with the queue model's tests).
  typealias Gate = QueueModelTests.Gate

  struct GatedRunner: JobRunning {
    let gate: Gate
    func run(_ job: Job, worker: Int, on queue: QueueModel) async {
      while !(await gate.isReleased(job.id)) { await Task.yield() }
      await queue.finish(job.id, with: .success(output: Data("{}".utf8), billableUnits: 1))
    }
  }

  /// Polls an actor-held condition: the queue's wake-ups run on tasks of their own.
  func eventually(_ condition: () async -> Bool) async -> Bool {
    for _ in 0..<20_000 {
      if await condition() { return true }
      await Task.yield()
    }
    return await condition()
  }

  let endpoint = try! EndpointID(parsing: "fal-ai/magi")

  @Test("with a worker free, a request still waits IN_QUEUE at position 0 for the minimum time, then starts")
  func minimumQueueTime() async throws {
    let clock = ManualClock()
    let gate = Gate()
    let queue = QueueModel(
      workers: 2, minimumQueueTime: .milliseconds(300), clock: clock.clock, runner: GatedRunner(gate: gate))
    let job = await queue.submit(endpoint: endpoint, body: Data(), webhookURL: nil)
    #expect(await queue.job(job.id)?.state == .inQueue)
    #expect(await queue.job(job.id)?.queuePosition == 0)
    #expect(await eventually { clock.sleeperCount == 1 }, "a wake-up is armed for the end of the minimum time")
    clock.advance(by: 0.299)
    #expect(await queue.job(job.id)?.state == .inQueue)
    clock.advance(by: 0.001)
    #expect(await eventually { await queue.job(job.id)?.state == .inProgress })
    await gate.release(job.id)
    #expect(await eventually { await queue.job(job.id)?.state == .completed })
    await queue.shutdown()
  }

  @Test("low-priority requests wait behind normal ones submitted after them")
  func priority() async throws {
    let clock = ManualClock()
    let gate = Gate()
    let queue = QueueModel(workers: 1, clock: clock.clock, runner: GatedRunner(gate: gate))
    let first = await queue.submit(endpoint: endpoint, body: Data(), webhookURL: nil)
    let low = await queue.submit(endpoint: endpoint, body: Data(), webhookURL: nil, priority: .low)
    let normal = await queue.submit(endpoint: endpoint, body: Data(), webhookURL: nil)
    #expect(await queue.job(first.id)?.state == .inProgress)
    #expect(normal.queuePosition == 0, "a normal request goes ahead of the waiting low one")
    #expect(await queue.job(low.id)?.queuePosition == 1, "the low request moved back")
    await gate.release(first.id)
    #expect(await eventually { await queue.job(normal.id)?.state == .inProgress })
    #expect(await queue.job(low.id)?.state == .inQueue)
    await gate.release(normal.id)
    #expect(await eventually { await queue.job(low.id)?.state == .inProgress })
    await gate.release(low.id)
    await queue.shutdown()
  }

  @Test("a start timeout ends a request that no runner took in time with fal's user timeout; a started one is spared")
  func startDeadline() async throws {
    let clock = ManualClock()
    let gate = Gate()
    let queue = QueueModel(workers: 1, clock: clock.clock, runner: GatedRunner(gate: gate))
    let running = await queue.submit(endpoint: endpoint, body: Data(), webhookURL: nil, startTimeout: 5)
    let waiting = await queue.submit(endpoint: endpoint, body: Data(), webhookURL: nil, startTimeout: 5)
    #expect(await eventually { clock.sleeperCount == 1 })
    clock.advance(by: 4.9)
    #expect(await queue.job(waiting.id)?.state == .inQueue)
    clock.advance(by: 0.1)
    #expect(await eventually { await queue.job(waiting.id)?.state == .completed })
    let failure = try #require(await queue.job(waiting.id)?.failure)
    #expect(failure == .startTimeout)
    #expect(failure.httpStatus == 504)
    #expect(failure.requestTimeoutType == "user")
    #expect(await queue.job(running.id)?.state == .inProgress, "the deadline is for starting only")
    await gate.release(running.id)
    await queue.shutdown()
  }
}
