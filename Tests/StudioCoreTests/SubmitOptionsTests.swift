import FalClient
import FalEmulator
import FalProtocol
import Foundation
import HistoryModel
import HistoryStore
import Testing

@testable import StudioCore

/// What a submit carries beyond the input (webhook, priority, start timeout), the source's upload
/// (recorded first, reused by content), and how each of fal's error types ends a job.
@Suite struct SubmitOptionsTests {
  typealias Harness = GenerationRunnerTests.Harness
  let i2v = MagiEndpoint(mode: .imageToVideo)
  let t2v = MagiEndpoint(mode: .textToVideo)

  /// A 1×1 PNG in a fresh file.
  func image() throws -> String {
    let path = NSTemporaryDirectory() + "magi-src-\(UUID().uuidString).png"
    let png = Data(
      base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")!
    try png.write(to: URL(fileURLWithPath: path))
    return path
  }

  func runner(_ harness: Harness, cache: UploadCache? = nil) async throws -> GenerationRunner {
    GenerationRunner(
      client: harness.client, history: try await HistoryStore(directory: harness.directory),
      videosDirectory: harness.directory + "/videos", uploadCache: cache)
  }

  @Test func theWebhookPriorityAndStartTimeoutAreRecordedAndSentAgainOnAResend() async throws {
    let harness = try await Harness.start()
    defer { Task { await harness.emulator.stop() } }
    let runner = try await runner(harness)
    let options = FalQueueClient.SubmitOptions(
      webhookURL: "https://example.com/hook", priority: "low", startTimeout: 45)
    let record = try await runner.submit(MagiRequest(endpoint: t2v, prompt: "p"), options: options)
    let stored = try #require(try await HistoryStore(directory: harness.directory).record(id: record.id))
    #expect(stored.webhook == "https://example.com/hook")
    #expect(stored.priority == "low")
    #expect(stored.startTimeout == 45)

    // A submit whose reply was lost, resent on request, goes with the same options.
    await harness.emulator.injectFaults([.acceptThenDrop], on: .submit)
    await #expect(throws: StudioError.self) {
      _ = try await runner.submit(MagiRequest(endpoint: t2v, prompt: "q"), options: options)
    }
    let unknown = try #require(
      await HistoryStore(directory: harness.directory).query(HistoryQuery(statuses: [.unknown])).summaries.first)
    let resent = try await runner.resubmit(recordID: unknown.id)
    #expect(resent.webhook == "https://example.com/hook")
    #expect(resent.priority == "low")
    #expect(resent.startTimeout == 45)
  }

  @Test func theRecordIsWrittenBeforeTheUploadAndAFailedUploadEndsItFailedWithNothingSubmitted() async throws {
    let harness = try await Harness.start()
    defer { Task { await harness.emulator.stop() } }
    // Refused everywhere (a 400 is not retried): the CDN, then the fallback.
    await harness.emulator.injectFaults(Array(repeating: .status(400), count: 10), on: .storage)
    let runner = try await runner(harness)
    let path = try image()
    await #expect(throws: StudioError.self) {
      _ = try await runner.submit(
        MagiRequest(endpoint: i2v, prompt: "p"), source: .file(path: path, contentType: "image/png", inline: false))
    }
    let history = try await HistoryStore(directory: harness.directory)
    let summary = try #require(await history.query(HistoryQuery()).summaries.first)
    let record = try #require(try await history.record(id: summary.id))
    #expect(record.status == .failed)
    #expect(record.failure?.type == "upload_failed")
    #expect(record.failure?.message.contains("nothing was submitted") == true)
    #expect(record.transitions.map(\.status) == [.submitting, .failed])
    #expect(record.source?.given == path)
    #expect(await harness.emulator.requestCount(.submit) == 0)
  }

  @Test func aRecordLeftSubmittingMidUploadIsFailedNotUnknown() async throws {
    let harness = try await Harness.start()
    defer { Task { await harness.emulator.stop() } }
    let history = try await HistoryStore(directory: harness.directory)
    let record = GenerationRecord(
      id: "0000000000010000000000aa", mode: .imageToVideo, input: ["prompt": "p"],
      source: .init(given: "/tmp/first.png"))
    try await history.save(record)
    let runner = try await runner(harness)
    let ended = try await runner.follow(recordID: record.id)
    #expect(ended.status == .failed, "no submit was sent: nothing to call unknown")
    #expect(ended.failure?.type == "upload_failed")
  }

  @Test func theSameFileIsUploadedOnceAndAnOldUploadIsCheckedBeforeReuse() async throws {
    let harness = try await Harness.start()
    defer { Task { await harness.emulator.stop() } }
    var cache = UploadCache(directory: harness.directory + "/cache")
    let path = try image()
    let source = MediaInput.file(path: path, contentType: "image/png", inline: false)
    let first = try await runner(harness, cache: cache).submit(MagiRequest(endpoint: i2v, prompt: "a"), source: source)
    let uploads = await harness.emulator.requestCount(.storage)
    #expect(uploads == 2, "token and CDN upload")
    // A copy elsewhere: the same bytes, another name.
    let copy = path + ".copy.png"
    try FileManager.default.copyItem(atPath: path, toPath: copy)
    let second = try await runner(harness, cache: cache).submit(
      MagiRequest(endpoint: i2v, prompt: "b"), source: .file(path: copy, contentType: "image/png", inline: false))
    #expect(await harness.emulator.requestCount(.storage) == uploads, "not uploaded again")
    #expect(second.source?.uploadedURL == first.source?.uploadedURL)
    #expect(second.input["image_url"]?.stringValue == first.source?.uploadedURL)

    // Past the trusted hour, the URL is asked about (a HEAD) before it is used.
    cache.trustedFor = -1
    let files = await harness.emulator.requestCount(.file)
    _ = try await runner(harness, cache: cache).submit(MagiRequest(endpoint: i2v, prompt: "c"), source: source)
    #expect(await harness.emulator.requestCount(.storage) == uploads)
    #expect(await harness.emulator.requestCount(.file) > files)
  }

  /// The jobs of a batch start together with the same local image: one upload, the others wait
  /// for it (they once sent the same bytes once each).
  @Test func jobsStartedTogetherWithOneImageUploadItOnce() async throws {
    let harness = try await Harness.start()
    defer { Task { await harness.emulator.stop() } }
    let runner = try await runner(harness, cache: UploadCache(directory: harness.directory + "/cache"))
    let source = MediaInput.file(path: try image(), contentType: "image/png", inline: false)
    let records = try await withThrowingTaskGroup(of: GenerationRecord.self) { group in
      for prompt in ["a", "b", "c"] {
        group.addTask { try await runner.submit(MagiRequest(endpoint: i2v, prompt: prompt), source: source) }
      }
      return try await group.reduce(into: []) { $0.append($1) }
    }
    #expect(await harness.emulator.requestCount(.storage) == 2, "one token and one CDN upload")
    #expect(Set(records.compactMap { $0.input["image_url"]?.stringValue }).count == 1)
  }

  /// A re-run sends the request its record kept, source URL included, with no source to upload:
  /// that URL must reach fal (it once went missing, and every image-to-video re-run failed 422).
  @Test func aRequestWithItsSourceURLAndNoSourceSendsThatURL() async throws {
    let harness = try await Harness.start()
    defer { Task { await harness.emulator.stop() } }
    let runner = try await runner(harness)
    let source = MediaInput.file(path: try image(), contentType: "image/png", inline: false)
    let first = try await runner.submit(MagiRequest(endpoint: i2v, prompt: "a"), source: source)
    let url = try #require(first.input["image_url"]?.stringValue)
    let again = try await runner.submit(MagiRequest(endpoint: i2v, prompt: "a", sourceURL: url))
    #expect(again.input["image_url"]?.stringValue == url)
    let ended = try await runner.follow(recordID: again.id)
    #expect(ended.status == .completed, "\(String(describing: ended.failure))")
  }

  @Test(arguments: [
    ("runner_disconnected", "runner_disconnected", "the runner was lost"),
    ("request_timeout", "request_timeout", "longer than fal allows"),
    ("runner_scheduling_failure", "runner_scheduling_failure", "no runner"),
    ("content_policy_violation", "content_policy_violation", "content policy"),
    ("start_timeout", "start_timeout", "did not start within its start timeout"),
  ])
  func eachErrorTypeEndsTheJobWithItsMeaning(_ fault: String, _ recorded: String, _ words: String) async throws {
    let harness = try await Harness.start(workers: 1, step: .milliseconds(20))
    defer { Task { await harness.emulator.stop() } }
    await harness.emulator.injectFaults([.jobEndsWith(errorType: fault)], on: .submit)
    let runner = try await runner(harness)
    let record = try await runner.submit(
      MagiRequest(endpoint: t2v, prompt: "p"), options: .init(startTimeout: fault == "start_timeout" ? 5 : nil))
    let ended = try await runner.follow(recordID: record.id)
    #expect(ended.status == .failed)
    #expect(ended.failure?.type == recorded)
    #expect(ended.failure?.message.contains(words) == true, "\(ended.failure?.message ?? "")")
  }
}
