import FalProtocol
import Foundation
import HistoryStore
import StudioCore
import StudioRuntime
import StudioUI
import Testing

/// The compare view's effects against a real history: its records loaded (the marked ones, or a
/// batch's completed ones), a star saved, the others' videos discarded.
@Suite struct CompareEffectTests {
  /// Three completed jobs of one batch with their files, a failed one of it, and a lone job.
  static func seed(_ runner: EffectRunner, in directory: String) async throws -> (batch: String, ids: [String]) {
    let batch = GenerationRunner.newBatchID()
    try FileManager.default.createDirectory(atPath: directory + "/videos", withIntermediateDirectories: true)
    var records: [GenerationRecord] = []
    for index in 0..<5 {
      var record = GenerationRecord(
        id: "r\(index)", createdAt: GenerationRecord.now().addingTimeInterval(Double(index) / 100 + 0.01),
        status: index == 3 ? .failed : .completed, mode: .textToVideo,
        input: ["prompt": "p", "seed": .int(10 + index)])
      if index != 3 {
        let path = directory + "/videos/r\(index).mp4"
        _ = FileManager.default.createFile(atPath: path, contents: Data("mp4".utf8))
        record.localFile = .init(path: path)
      }
      record.batchID = index == 4 ? nil : batch
      records.append(record)
    }
    try await runner.jobs.history.save(contentsOf: records)
    return (batch, records.map(\.id))
  }

  @Test func aBatchsCompletedRecordsAreLoadedOldestFirst() async throws {
    let harness = try await RuntimeHarness.start()
    let (runner, probe) = try await harness.runner()
    _ = try await Self.seed(runner, in: harness.directory)
    runner.perform(.loadComparison(.batchOf("r2")))
    let loaded = try #require(
      await probe.first { if case .comparisonLoaded(let records) = $0 { records } else { nil } })
    #expect(loaded.map(\.id) == ["r0", "r1", "r2"])
    runner.perform(.loadComparison(.batchOf("r4")))
    let lone = await probe.first { if case .comparisonFailed(let text) = $0 { text } else { nil } }
    #expect(lone?.contains("r4 is not part of a batch") == true, "\(lone ?? "nothing")")
    runner.perform(.loadComparison(.records(["r4", "r0", "gone"])))
    let gone = await probe.first {
      if case .comparisonFailed(let text) = $0, text.contains("gone") { text } else { nil }
    }
    #expect(gone == "Cannot compare: gone is no longer in the history")
    await runner.tasks.cancelAll()
    await harness.stop()
  }

  @Test func aStarIsSavedAndTheOthersVideosDiscarded() async throws {
    let harness = try await RuntimeHarness.start()
    let (runner, probe) = try await harness.runner()
    _ = try await Self.seed(runner, in: harness.directory)
    runner.perform(.star("r1", true))
    let starred = try #require(
      await probe.first { if case .recordUpdated(let record) = $0, record.id == "r1" { record } else { nil } })
    #expect(starred.starred)
    runner.perform(.discardVideos(["r0", "r2"]))
    #expect(await probe.notice(containing: "Discarded 2 videos; the records stay") != nil)
    let updated = probe.actions.compactMap { if case .recordUpdated(let record) = $0 { record } else { nil } }
    #expect(Set(updated.filter { $0.videoDiscardedAt != nil }.map(\.id)) == ["r0", "r2"])
    for index in [0, 2] {
      #expect(!FileManager.default.fileExists(atPath: harness.directory + "/videos/r\(index).mp4"))
    }
    #expect(FileManager.default.fileExists(atPath: harness.directory + "/videos/r1.mp4"))
    #expect(try await runner.jobs.history.record(id: "r1")?.starred == true)
    await runner.tasks.cancelAll()
    await harness.stop()
  }
}
