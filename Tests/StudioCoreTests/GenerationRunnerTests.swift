import CurlTransport
import Digest
import FalClient
import FalEmulator
import FalProtocol
import Foundation
import HistoryStore
import Synchronization
import Testing

@testable import StudioCore

/// Jobs with the history as their journal, against the in-process emulator over libcurl.
@Suite struct GenerationRunnerTests {
  static let transport: CurlTransport = {
    do { return try CurlTransport() } catch { fatalError("cannot start libcurl: \(error)") }
  }()

  struct Harness {
    let emulator: FalEmulator
    let client: FalQueueClient
    let directory: String
    let events = EventLog()

    static func start(workers: Int = 2, step: Duration = .milliseconds(5)) async throws -> Harness {
      let emulator = FalEmulator(configuration: EmulatorConfiguration(workers: workers, stepDuration: step))
      let base = try await emulator.start()
      let client = FalQueueClient(
        transport: GenerationRunnerTests.transport, endpoints: FalEndpoints(single: base),
        credentials: Credentials(key: "k"),
        retryPolicy: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10)))
      let directory = NSTemporaryDirectory() + "magi-jobs-\(UUID().uuidString)"
      return Harness(emulator: emulator, client: client, directory: directory)
    }

    /// Polls `condition` until it holds, for at most 30 s of real time; whether it held. A test
    /// waiting for a moment of a job (running, logs seen) fails rather than hangs when a loaded
    /// machine lets the moment pass.
    func until(_ condition: () async -> Bool) async -> Bool {
      let end = ContinuousClock.now + .seconds(30)
      while ContinuousClock.now < end {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
      }
      return await condition()
    }

    func runner(events: EventLog? = nil) async throws -> GenerationRunner {
      let history = try await HistoryStore(directory: directory)
      let log = events ?? self.events
      return GenerationRunner(
        client: client, history: history, videosDirectory: directory + "/videos", logsDirectory: directory + "/logs",
        onEvent: { log.append($0) })
    }
  }

  final class EventLog: Sendable {
    private let events = Mutex<[JobEvent]>([])
    func append(_ event: JobEvent) { events.withLock { $0.append(event) } }
    var warnings: [String] {
      events.withLock { $0.compactMap { if case .warning(_, let text) = $0 { text } else { nil } } }
    }
    var all: [JobEvent] { events.withLock { $0 } }
    var logLines: Int {
      events.withLock { $0.reduce(0) { if case .logs(_, let lines) = $1 { $0 + lines.count } else { $0 } } }
    }
    var statuses: [GenerationStatus] {
      events.withLock { $0.compactMap { if case .updated(let record) = $0 { record.status } else { nil } } }
    }
  }

  let t2v = MagiEndpoint(mode: .textToVideo)

  @Test func theRecordIsInTheHistoryWithItsRequestIDWhenSubmitReturns() async throws {
    let harness = try await Harness.start(workers: 1, step: .milliseconds(50))
    let runner = try await harness.runner()
    let record = try await runner.submit(MagiRequest(endpoint: t2v, prompt: "a lighthouse", seed: 3))
    // A second, independent reader of the file (another studio instance) already sees it.
    let other = try await HistoryStore(directory: harness.directory)
    let stored = try #require(try await other.record(id: record.id))
    #expect(stored.requestID == record.requestID)
    #expect(stored.status == .queued || stored.status == .running)
    #expect(stored.transitions.map(\.status).first == .submitting)
    #expect(stored.billing?.units == 4)
    await harness.emulator.stop()
  }

  @Test func aFollowedJobEndsCompletedWithItsVideoOnDiskAndEverythingRecorded() async throws {
    let harness = try await Harness.start()
    let runner = try await harness.runner()
    let submitted = try await runner.submit(MagiRequest(endpoint: t2v, prompt: "a lighthouse at night", numFrames: 120))
    let done = try await runner.follow(recordID: submitted.id)
    #expect(done.status == .completed)
    #expect(done.progress.stepsDone == 16 && done.progress.stepsTotal == 16)
    #expect(done.billing?.units == 5)
    #expect(done.billing?.cost == 0.4)
    let local = try #require(done.localFile)
    #expect(local.path.hasPrefix(harness.directory + "/videos/"))
    #expect(local.path.contains("a-lighthouse-at-night"))
    #expect(local.sha256 == SHA256.hexDigest(ofFile: local.path))
    #expect(done.result?.videoURL.hasPrefix("http://127.0.0.1") == true)
    #expect(!done.logs.isEmpty)
    let reread = try await HistoryStore(directory: harness.directory).record(id: submitted.id)
    #expect(reread == done)
    await harness.emulator.stop()
  }

  /// A video an earlier run left half downloaded is resumed from its part, through a connection
  /// dropped mid-body and retried, and recorded with the SHA-256 of the whole file (the part hashed
  /// first, the rest as it streamed, the dropped attempt's bytes forgotten).
  @Test(.timeLimit(.minutes(1)))
  func aResumedDownloadDroppedMidBodyIsRecordedWithTheWholeFilesDigest() async throws {
    let harness = try await Harness.start()
    let runner = try await harness.runner()
    let submitted = try await runner.submit(MagiRequest(endpoint: t2v, prompt: "waves at dusk"))
    let first = try await runner.follow(recordID: submitted.id)
    let video = try Data(contentsOf: URL(fileURLWithPath: try #require(first.localFile?.path)))
    #expect(video.count > 1000)
    var again = first
    again.id = GenerationRunner.newRecordID()
    again.localFile = nil
    let path =
      harness.directory + "/videos/" + VideoNaming.fileName(prompt: again.prompt, id: again.id, date: again.createdAt)
    try video.prefix(video.count / 2).write(to: URL(fileURLWithPath: path + ".part"))
    try await runner.history.save(again)
    await harness.emulator.resetRequestCounts()
    await harness.emulator.injectFaults([.cutBody(afterBytes: video.count / 4)], on: .file)
    let done = try await runner.follow(recordID: again.id)
    #expect(await harness.emulator.requestCount(.file) == 2, "the dropped attempt and its retry")
    #expect(done.localFile?.path == path)
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == video)
    #expect(done.localFile?.sha256 == first.localFile?.sha256)
    #expect(done.localFile?.sha256 == SHA256.hexDigest(ofFile: path))
    await harness.emulator.stop()
  }

  @Test func aJobInterruptedMidRunIsResumedAndFinishedByTheNextStart() async throws {
    let harness = try await Harness.start(workers: 1, step: .milliseconds(40))
    let first = try await harness.runner()
    let submitted = try await first.submit(MagiRequest(endpoint: t2v, prompt: "long render"))
    // Follow until it runs, then walk away as a quitting studio would.
    let following = Task { try await first.follow(recordID: submitted.id) }
    #expect(await harness.until { await harness.emulator.status(of: submitted.requestID ?? "")?.state == .inProgress })
    following.cancel()
    _ = try? await following.value
    // The next start: a new history instance and runner, as after a restart.
    let second = try await harness.runner()
    let resumed = await second.resumeUnfinished()
    #expect(resumed.count == 1)
    let record = try #require(try resumed.first?.result.get())
    #expect(record.id == submitted.id)
    #expect(record.status == .completed)
    #expect(record.localFile != nil)
    await harness.emulator.stop()
  }

  /// The queue pane's view of a job, built from events the way the studio builds it: a record met
  /// for the first time brings its recorded log, later `.logs` events add to it.
  static func paneLog(of recordID: String, from events: [JobEvent]) -> [String] {
    var lines: [String]?
    for event in events {
      switch event {
      case .updated(let record) where record.id == recordID:
        if lines == nil { lines = record.logs.map(\.message) }
      case .logs(recordID, let entries):
        lines = (lines ?? []) + entries.map(\.message)
      default: break
      }
    }
    return lines ?? []
  }

  @Test func aResumedJobShowsEachLogLineOnce() async throws {
    let harness = try await Harness.start(workers: 1, step: .milliseconds(40))
    let first = try await harness.runner()
    let submitted = try await first.submit(MagiRequest(endpoint: t2v, prompt: "resumed log"))
    let following = Task { try await first.follow(recordID: submitted.id) }
    #expect(await harness.until { harness.events.logLines >= 4 })
    following.cancel()
    _ = try? await following.value
    let resumedEvents = EventLog()
    let second = try await harness.runner(events: resumedEvents)
    let record = try await second.follow(recordID: submitted.id)
    #expect(record.status == .completed)
    let pane = Self.paneLog(of: submitted.id, from: resumedEvents.all)
    #expect(Set(pane).count == pane.count, "a line shown twice: \(pane)")
    #expect(pane.filter { $0.contains("/16") }.count == 16, "every step once: \(pane)")
    // The whole log is on disk, each line once.
    let onDisk = try #require(second.logs?.tail(of: submitted.id)).map(\.message)
    #expect(Set(onDisk).count == onDisk.count)
    #expect(onDisk.filter { $0.contains("/16") }.count == 16)
    await harness.emulator.stop()
  }

  @Test("a start downloads the video of a finished job that lacks it, and leaves saved ones alone")
  func aFinishedJobWithoutItsVideoIsDownloadedByTheNextStart() async throws {
    let harness = try await Harness.start()
    let first = try await harness.runner()
    let saved = try await first.submit(MagiRequest(endpoint: t2v, prompt: "saved"))
    _ = try await first.follow(recordID: saved.id)
    let unsaved = try await first.submit(MagiRequest(endpoint: t2v, prompt: "not saved"))
    var stopped = try await first.follow(recordID: unsaved.id)
    // As if the studio had stopped between fetching the result and saving the video.
    try FileManager.default.removeItem(atPath: try #require(stopped.localFile?.path))
    stopped.localFile = nil
    #expect(stopped.awaitsVideo)
    try await HistoryStore(directory: harness.directory).save(stopped)

    let second = try await harness.runner()
    let resumed = await second.resumeUnfinished()
    #expect(resumed.map(\.recordID) == [unsaved.id])
    let record = try #require(try resumed.first?.result.get())
    #expect(record.status == .completed)
    #expect(!record.awaitsVideo)
    #expect(FileManager.default.fileExists(atPath: try #require(record.localFile?.path)))
    // Nothing is left to resume.
    #expect(await second.resumeUnfinished().isEmpty)
    await harness.emulator.stop()
  }

  @Test func aJobTheServerNoLongerKnowsEndsLostNotHanging() async throws {
    let harness = try await Harness.start()
    let runner = try await harness.runner()
    let submitted = try await runner.submit(MagiRequest(endpoint: t2v, prompt: "p"))
    // A different server (fal forgot it, or the emulator restarted) answers the resume.
    let fresh = try await Harness.start()
    let other = GenerationRunner(
      client: fresh.client, history: try await HistoryStore(directory: harness.directory),
      videosDirectory: harness.directory + "/videos", server: harness.client.endpoints.queue)
    let record = try await other.follow(recordID: submitted.id)
    #expect(record.status == .lost)
    #expect(record.failure?.message.contains("no longer knows") == true)
    await harness.emulator.stop()
    await fresh.emulator.stop()
  }

  @Test func aRecordFromAnotherServerIsNotAskedOfThisOneNorAnOfflineOneWhileOnline() async throws {
    let harness = try await Harness.start()
    let history = try await HistoryStore(directory: harness.directory)
    try await history.save(
      GenerationRecord(
        id: "elsewhere", status: .running, mode: .textToVideo, input: ["prompt": "p"], requestID: "r1",
        server: "https://queue.fal.run"))
    try await history.save(
      GenerationRecord(
        id: "offline", status: .queued, mode: .textToVideo, input: ["prompt": "p"], requestID: "r2",
        server: "embedded:http://127.0.0.1:1"))
    let runner = GenerationRunner(
      client: harness.client, history: history, videosDirectory: harness.directory + "/videos")
    await #expect(throws: StudioError.self) { try await runner.follow(recordID: "elsewhere") }
    await #expect(throws: StudioError.self) { try await runner.follow(recordID: "offline") }
    #expect(
      try await history.record(id: "elsewhere")?.status == .running, "a job still running on fal is left as it is")
    #expect(
      try await history.record(id: "offline")?.status == .queued,
      "the twin keeps offline jobs: one is not lost while online")
    #expect(await harness.emulator.requestCounts().total == 0)
    await harness.emulator.stop()
  }

  @Test func anOfflineRecordIsFollowedOnTheCurrentTwinWhateverPortItRanOn() async throws {
    let harness = try await Harness.start()
    let history = try await HistoryStore(directory: harness.directory)
    let twin = GenerationRunner.embeddedPrefix + harness.client.endpoints.queue
    let runner = GenerationRunner(
      client: harness.client, history: history, videosDirectory: harness.directory + "/videos", server: twin)
    var submitted = try await runner.submit(MagiRequest(endpoint: t2v, prompt: "before the restart"))
    // As written by the studio's previous run, whose twin listened on another port.
    submitted.server = GenerationRunner.embeddedPrefix + "http://127.0.0.1:1"
    try await history.save(submitted)
    let record = try await runner.follow(recordID: submitted.id)
    #expect(record.status == .completed)
    #expect(record.localFile != nil)
    await harness.emulator.stop()
  }

  /// A stop mid-submit may have left a billed job on fal: its outcome is unknown, not lost, and it
  /// is not sent again by a resume.
  @Test func aRecordLeftSubmittingWithoutARequestIDBecomesUnknownWithTheReason() async throws {
    let harness = try await Harness.start()
    let history = try await HistoryStore(directory: harness.directory)
    try await history.save(
      GenerationRecord(id: "crashed-1", status: .submitting, mode: .textToVideo, input: ["prompt": "p"]))
    let runner = GenerationRunner(
      client: harness.client, history: history, videosDirectory: harness.directory + "/videos")
    let results = await runner.resumeUnfinished()
    let record = try #require(try results.first?.result.get())
    #expect(record.status == .unknown)
    #expect(record.failure?.message.contains("may have reached fal") == true)
    #expect(await harness.emulator.requestCount(.submit) == 0, "never resent unasked")
    await harness.emulator.stop()
  }

  @Test func cancellingEndsTheRecordCancelled() async throws {
    let harness = try await Harness.start(workers: 1, step: .milliseconds(50))
    let runner = try await harness.runner()
    _ = try await runner.submit(MagiRequest(endpoint: t2v, prompt: "busy"))
    let waiting = try await runner.submit(MagiRequest(endpoint: t2v, prompt: "waiting"))
    #expect(try await runner.cancel(recordID: waiting.id) == .requested)
    let record = try await runner.follow(recordID: waiting.id)
    #expect(record.status == .cancelled)
    #expect(record.failure?.type == "request_cancelled")
    await harness.emulator.stop()
  }

  /// A job fal ends with a cancel type other than `request_cancelled` (here `client_cancelled`,
  /// answered 499) after this studio asked to cancel it ends cancelled, not failed, and the record
  /// says a cancel was requested.
  @Test func aJobEndedByOurCancelIsCancelledWhateverItsErrorType() async throws {
    let harness = try await Harness.start(workers: 1, step: .milliseconds(50))
    let runner = try await harness.runner()
    let running = try await runner.submit(MagiRequest(endpoint: t2v, prompt: "busy"))
    await harness.emulator.injectFaults([.cancelEndsWith(errorType: "stopped_by_owner", status: 499)], on: .cancel)
    let following = Task { try await runner.follow(recordID: running.id) }
    #expect(try await runner.cancel(recordID: running.id) == .requested)
    let record = try await following.value
    #expect(record.status == .cancelled)
    #expect(record.failure?.type == "stopped_by_owner")
    #expect(record.cancelRequestedAt != nil)
    let stored = try #require(try await HistoryStore(directory: harness.directory).record(id: running.id))
    #expect(stored.status == .cancelled && stored.cancelRequestedAt != nil)
    await harness.emulator.stop()
  }

  /// The same when the cancel comes from another process (a `cancel ID` while the studio follows):
  /// the follower learns of it from the record, not from its own memory.
  @Test func aJobEndedByAnotherProcesssCancelIsCancelledForItsFollowerToo() async throws {
    let harness = try await Harness.start(workers: 1, step: .milliseconds(50))
    let studio = try await harness.runner()
    let running = try await studio.submit(MagiRequest(endpoint: t2v, prompt: "busy elsewhere"))
    await harness.emulator.injectFaults([.cancelEndsWith(errorType: "stopped_by_owner", status: 499)], on: .cancel)
    let following = Task { try await studio.follow(recordID: running.id) }
    let command = try await harness.runner(events: EventLog())
    #expect(try await command.cancel(recordID: running.id) == .requested)
    let record = try await following.value
    #expect(record.status == .cancelled, "\(record.failure?.type ?? "")")
    #expect(record.cancelRequestedAt != nil)
    let stored = try #require(try await HistoryStore(directory: harness.directory).record(id: running.id))
    #expect(stored.status == .cancelled && stored.cancelRequestedAt != nil)
    await harness.emulator.stop()
  }

  /// A cancel of a job that already ended cancels nothing and says so.
  @Test func cancellingAFinishedJobIsRefusedInWords() async throws {
    let harness = try await Harness.start()
    let runner = try await harness.runner()
    let record = try await runner.submit(MagiRequest(endpoint: t2v, prompt: "quick"))
    _ = try await runner.follow(recordID: record.id)
    do {
      _ = try await runner.cancel(recordID: record.id)
      Issue.record("a finished job was cancelled")
    } catch {
      #expect(error.description == "\(record.id) had already ended completed; nothing was cancelled")
    }
    #expect(await harness.emulator.requestCount(.cancel) == 0)
    await harness.emulator.stop()
  }

  /// A submit whose reply is lost leaves one job on the server and an `unknown` record; only an
  /// explicit resubmit sends it again.
  @Test func aLostSubmitReplyIsRecordedUnknownAndResentOnlyWhenAsked() async throws {
    let harness = try await Harness.start()
    let runner = try await harness.runner()
    await harness.emulator.injectFaults([.acceptThenDrop], on: .submit)
    var recordID = ""
    do {
      _ = try await runner.submit(MagiRequest(endpoint: t2v, prompt: "lost reply"))
      Issue.record("the submit claimed success")
    } catch {
      guard case .outcomeUnknown(let id, let detail) = error else { throw error }
      recordID = id
      #expect(detail.hasPrefix("the submit may have reached fal; its reply was lost"))
    }
    #expect(await harness.emulator.requestCount(.submit) == 1)
    let history = try await HistoryStore(directory: harness.directory)
    #expect(try await history.record(id: recordID)?.status == .unknown)
    // The submit's lock is not left behind for a record no follow will ever pick up.
    #expect(!FileManager.default.fileExists(atPath: harness.directory + "/locks/\(recordID).lock"))
    _ = await runner.resumeUnfinished()
    #expect(await harness.emulator.requestCount(.submit) == 1, "a resume does not resend it")
    let resent = try await runner.resubmit(recordID: recordID)
    #expect(resent.status == .queued && resent.requestID != nil)
    #expect(resent.transitions.map(\.status) == [.submitting, .unknown, .submitting, .queued])
    #expect(await harness.emulator.requestCount(.submit) == 2)
    await harness.emulator.stop()
  }

  @Test func invalidInputIsRefusedBeforeAnythingIsRecordedOrSent() async throws {
    let harness = try await Harness.start()
    let runner = try await harness.runner()
    await #expect(throws: StudioError.self) {
      try await runner.submit(MagiRequest(endpoint: t2v, prompt: "p", numFrames: 20))
    }
    #expect(await runner.history.count == 0)
    #expect(await harness.emulator.requestCounts().total == 0)
    await harness.emulator.stop()
  }

  @Test func recordsAreFoundByPrefixOrRequestID() async throws {
    let harness = try await Harness.start()
    let runner = try await harness.runner()
    let record = try await runner.submit(MagiRequest(endpoint: t2v, prompt: "p"))
    #expect(try await runner.resolve(id: String(record.id.prefix(14))).id == record.id)
    #expect(try await runner.resolve(id: record.requestID ?? "").id == record.id)
    await #expect(throws: StudioError.self) { try await runner.resolve(id: "zzzz-nothing") }
    await harness.emulator.stop()
  }
}

@Suite struct StudioCoreUnitTests {
  @Test func videoNamesStartWithTheDateAndReadLikeThePrompt() {
    let date = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18
    #expect(
      VideoNaming.fileName(prompt: "A red fox, running!", id: "01a21af0-4d61", date: date)
        == "2026-11-18_a-red-fox-running_01a21af04d61.mp4")
    #expect(VideoNaming.fileName(prompt: "猫", id: "x", date: date) == "2026-11-18_magi_x.mp4")
  }

  @Test func stepsAreReadFromCommonProgressLines() {
    #expect(StepProgress.parse("Step 3/16") ?? (0, 0) == (3, 16))
    #expect(StepProgress.parse(" 50%|█████     | 8/16 [00:04<00:04,  2.00it/s]") ?? (0, 0) == (8, 16))
    #expect(StepProgress.parse("Loading 2/3 shards") == nil)
    #expect(StepProgress.parse("step 17/16") == nil)
  }
}
