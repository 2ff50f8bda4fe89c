import Digest
import FalClient
import FalProtocol
import Foundation
import HistoryStore
import StudioCore
import Testing

/// Every record gets its own video, its copy and one follower; nothing is sent that cannot be recorded.
@Suite struct RecordStorageTests {
  typealias Harness = GenerationRunnerTests.Harness
  let t2v = MagiEndpoint(mode: .textToVideo)

  @Test func twoRecordsWithOnePromptInTheSameMinuteGetTwoVideoNames() {
    let date = Date(timeIntervalSince1970: 1_795_000_000)
    // Time-ordered ids a millisecond apart share everything but their last digits.
    let first = VideoNaming.fileName(prompt: "a red fox", id: "019ac4d6e2f1a8c03b7e55d2", date: date)
    let second = VideoNaming.fileName(prompt: "a red fox", id: "019ac4d6e2f23a11c09f7e41", date: date)
    #expect(first != second)
    #expect(first.hasSuffix("_019ac4d6e2f1a8c03b7e55d2.mp4"))
  }

  @Test func aVideosDirectoryThatIsAFileIsRefusedBeforeAnythingIsSentOrRecorded() async throws {
    let harness = try await Harness.start()
    let history = try await HistoryStore(directory: harness.directory)
    let file = harness.directory + "/not-a-directory"
    try Data("x".utf8).write(to: URL(fileURLWithPath: file))
    let coordinator = GenerationRunner(client: harness.client, history: history, videosDirectory: file)
    await harness.emulator.resetRequestCounts()
    let error = await #expect(throws: StudioError.self) {
      try await coordinator.submit(MagiRequest(endpoint: t2v, prompt: "nowhere to go"))
    }
    guard case .client(.local(let local)) = error else {
      Issue.record("expected a local error, got \(String(describing: error))")
      return
    }
    #expect(local.kind == .cannotCreate)
    #expect(local.message.contains(file))
    #expect(await harness.emulator.requestCounts().total == 0)
    #expect(await history.count == 0)
    await harness.emulator.stop()
  }

  @Test func aJobFinishedByResumeStillGetsItsRequestedCopy() async throws {
    let harness = try await Harness.start(workers: 1, step: .milliseconds(20))
    let copies = harness.directory + "/copies"
    let first = try await harness.runner()
    // Submitted with `--download`, then the process died before following it.
    let submitted = try await first.submit(MagiRequest(endpoint: t2v, prompt: "copied later"), copyDirectory: copies)
    let second = try await harness.runner()
    let resumed = await second.resumeUnfinished()
    let record = try #require(try resumed.first?.result.get())
    let local = try #require(record.localFile)
    #expect(record.id == submitted.id)
    let copy = VideoCopy.target(of: local.path, in: copies)
    #expect(SHA256.hexDigest(ofFile: copy) == local.sha256)
    await harness.emulator.stop()
  }

  @Test func aResumeSkipsAJobAnotherProcessIsFollowingAndAWaitingFollowerFindsItDone() async throws {
    let harness = try await Harness.start(workers: 1, step: .milliseconds(30))
    let first = try await harness.runner()
    let submitted = try await first.submit(MagiRequest(endpoint: t2v, prompt: "one follower"))
    let following = Task { try await first.follow(recordID: submitted.id) }
    // The follower holds the record once it reports the job running.
    #expect(await harness.until { harness.events.statuses.contains(.running) })
    let second = try await harness.runner()
    let resumed = await second.resumeUnfinished()
    #expect(resumed.count == 1)
    guard case .failure(.busy(let id))? = resumed.first?.result else {
      Issue.record("expected the job to be skipped as busy, got \(String(describing: resumed.first?.result))")
      return
    }
    #expect(id == submitted.id)
    // A follower that waits (a `status --wait`) gets the job as the first one left it.
    let waited = try await second.follow(recordID: submitted.id)
    let done = try await following.value
    #expect(waited.status == .completed)
    #expect(waited.localFile == done.localFile)
    #expect(SHA256.hexDigest(ofFile: try #require(done.localFile?.path)) == done.localFile?.sha256)
    await harness.emulator.stop()
  }

  @Test func twoResumesAtOnceEndWithoutFailuresAndOneVideo() async throws {
    let harness = try await Harness.start(workers: 2, step: .milliseconds(10))
    let first = try await harness.runner()
    var ids: [String] = []
    for index in 0..<3 { ids.append(try await first.submit(MagiRequest(endpoint: t2v, prompt: "twice \(index)")).id) }
    let a = try await harness.runner()
    let b = try await harness.runner()
    async let one = a.resumeUnfinished()
    async let two = b.resumeUnfinished()
    let results = await one + two
    for (id, result) in results {
      switch result {
      case .success(let record): #expect(record.status == .completed, "\(id)")
      case .failure(.busy): break
      case .failure(let error): Issue.record("\(id): \(error)")
      }
    }
    let history = try await HistoryStore(directory: harness.directory)
    for id in ids {
      let record = try #require(try await history.record(id: id))
      #expect(SHA256.hexDigest(ofFile: try #require(record.localFile?.path)) == record.localFile?.sha256)
    }
    await harness.emulator.stop()
  }
}

extension RecordStorageTests {
  @Test func aResumeWhileASubmitIsInFlightLeavesItAloneInsteadOfCallingItUnknown() async throws {
    let harness = try await Harness.start(workers: 1, step: .milliseconds(20))
    // The submit's reply takes a while: long enough for another process to start and resume.
    await harness.emulator.injectFaults([.latency(.milliseconds(800))], on: .submit)
    let first = try await harness.runner()
    let submitting = Task { try await first.submit(MagiRequest(endpoint: t2v, prompt: "in flight")) }
    // The record is durable (as `submitting`) before the request goes out.
    #expect(await harness.until { harness.events.statuses.contains(.submitting) })
    let second = try await harness.runner(events: GenerationRunnerTests.EventLog())
    let resumed = await second.resumeUnfinished()
    for (id, result) in resumed {
      if case .success(let record) = result {
        #expect(record.status != .unknown, "\(id): a submit still waiting for its reply was called unknown")
      }
    }
    let submitted = try await submitting.value
    let history = try await HistoryStore(directory: harness.directory)
    let stored = try #require(try await history.record(id: submitted.id))
    #expect(!stored.transitions.map(\.status).contains(.unknown))
    await harness.emulator.stop()
  }
}
