import FalProtocol
import Foundation
import HistoryModel
import StudioRuntime
import StudioUI
import TestSupport
import Testing

/// A batch from the studio (`.submitBatch`) against the in-process emulator: one id on every
/// record, seeds drawn for `seeds=N`, never more than ``BatchSubmission/maxParallel`` jobs in
/// flight; and today's spend worked out from the history.
@Suite struct BatchRunnerTests {
  let t2v = MagiEndpoint(mode: .textToVideo)

  @Test func aBatchRunsAtMostFourAtOnceUnderOneIdWithSeedsDrawn() async throws {
    // Jobs slow enough (16 steps of 20 ms on one worker) that the batch fills its four slots.
    let harness = try await RuntimeHarness.start(workers: 1, step: .milliseconds(20))
    let (runner, probe) = try await harness.runner()
    let request = MagiRequest(endpoint: t2v, prompt: "a kite", seed: 0)
    // `{a kite|a kite at dusk} seeds=3` as the form expands it: each seed's index, once per prompt.
    let requests: [MagiRequest] = ["a kite", "a kite at dusk"].flatMap { (prompt: String) -> [MagiRequest] in
      (0..<3).map { (slot: Int) in MagiRequest(endpoint: t2v, prompt: prompt, seed: slot) }
    }
    let batch = BatchSubmission(requests: requests, drawsSeeds: true)
    #expect(runner.perform(.submitBatch(batch)))
    let summary = try #require(await probe.notice(containing: "jobs submitted and ended"))
    #expect(summary.hasSuffix("6 of 6 jobs submitted and ended"), "\(summary)")

    var submitted: [GenerationRecord] = []
    var inFlight: Set<String> = []
    var ended: Set<String> = []
    var most = 0
    for action in probe.actions {
      switch action {
      case .submitted(let record):
        submitted.append(record)
        inFlight.insert(record.id)
      case .jobUpdated(let record) where record.status.isFinal && !ended.contains(record.id):
        ended.insert(record.id)
        inFlight.remove(record.id)
      default: break
      }
      most = max(most, inFlight.count)
    }
    #expect(most == BatchSubmission.maxParallel)
    #expect(submitted.count == 6)
    #expect(Set(submitted.compactMap(\.batchID)).count == 1)
    #expect(submitted.allSatisfy { $0.batchID != nil })
    let seeds = submitted.compactMap { RecordParameters($0).seed }
    #expect(seeds.count == 6)
    // Three seeds drawn, each rendered with both prompts (as `generate --seeds 3` does).
    #expect(Set(seeds).count == 3, "seeds drawn: \(seeds)")
    func seedsOf(_ prompt: String) -> Set<Int> {
      Set(submitted.filter { $0.prompt == prompt }.compactMap { RecordParameters($0).seed })
    }
    #expect(seedsOf("a kite") == seedsOf("a kite at dusk"))
    #expect(seedsOf("a kite").count == 3)

    // Today's spend: the six jobs' billed units at the price given.
    runner.perform(.loadSpentToday(pricePerUnit: [.distilled: 0.1, .full: 0.2]))
    let spent: Spend = try #require(await probe.first { if case .spentToday(let spend?) = $0 { spend } else { nil } })
    let units: Double = 6 * request.billingUnits
    #expect(abs(spent.dollars - units * 0.1) < 1e-9, "\(spent)")
    #expect(abs(spent.units - units) < 1e-9, "\(spent)")
    await runner.tasks.cancelAll()
    await harness.stop()
  }

  /// A 429 storm at submit longer than a single call's patience (as the studio's client waits
  /// out, like the CLI's batches): the batch is slowed, and every job is submitted once.
  @Test func a429StormAtSubmitSlowsTheBatchWithoutLosingOrDuplicatingAJob() async throws {
    let harness = try await RuntimeHarness.start(maxRefusals: 30)
    await harness.emulator.injectFaults(Array(repeating: .status(429), count: 12), on: .submit)
    let (runner, probe) = try await harness.runner()
    let batch = BatchSubmission(
      requests: [1, 2, 3].map { (index: Int) in MagiRequest(endpoint: t2v, prompt: "a kite \(index)", seed: index) })
    runner.perform(.submitBatch(batch))
    let summary = try #require(await probe.notice(containing: "jobs submitted and ended"))
    #expect(summary.hasSuffix("3 of 3 jobs submitted and ended"), "\(summary)")
    #expect(await harness.emulator.pendingFaults(on: .submit).isEmpty)
    #expect(await harness.emulator.requestCounts()[.submit] == 15)
    let prompts = probe.actions.compactMap { if case .submitted(let record) = $0 { record.prompt } else { nil } }
    #expect(prompts.sorted() == ["a kite 1", "a kite 2", "a kite 3"])
    // Each refusal reached the studio as "server busy" on the job it held back (twelve in all),
    // and each held-back job was cleared once taken.
    var busy: [String] = []
    var cleared: Set<String> = []
    for action in probe.actions {
      if case .jobConnection(let id, let trouble) = action {
        if let trouble { if trouble.busy { busy.append(id) } } else { cleared.insert(id) }
      }
    }
    #expect(busy.count == 12, "\(busy)")
    #expect(Set(busy) == cleared)
    await runner.tasks.cancelAll()
    await harness.stop()
  }
}
