import CurlTransport
import FalClient
import FalEmulator
import FalProtocol
import Foundation
import Synchronization
import Testing

/// The client over the real libcurl transport against the in-process emulator: every call and the
/// error paths a user meets, with faults injected on purpose.
@Suite struct EmulatorIntegrationTests {
  static let transport: CurlTransport = {
    // One network engine for the whole suite, as the studio has one per process.
    do { return try CurlTransport() } catch { fatalError("cannot start libcurl: \(error)") }
  }()

  struct Harness {
    let emulator: FalEmulator
    let client: FalQueueClient

    static func start(workers: Int = 2, step: Duration = .milliseconds(5), faults: FaultInjection = FaultInjection())
      async throws -> Harness
    {
      let emulator = FalEmulator(
        configuration: EmulatorConfiguration(
          workers: workers, stepDuration: step, keepAliveInterval: .milliseconds(200), faults: faults))
      let base = try await emulator.start()
      let client = FalQueueClient(
        transport: EmulatorIntegrationTests.transport, endpoints: FalEndpoints(single: base),
        credentials: Credentials(key: "test:key"),
        retryPolicy: RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(10), maxDelay: .milliseconds(50)),
        pollInterval: .milliseconds(20))
      return Harness(emulator: emulator, client: client)
    }

    func stop() async { await emulator.stop() }
  }

  let t2v = MagiEndpoint(mode: .textToVideo)

  @Test func aJobIsSubmittedFollowedByStreamAndItsVideoFetched() async throws {
    let harness = try await Harness.start()
    let receipt = try await harness.client.submit(MagiRequest(endpoint: t2v, prompt: "dunes", seed: 9))
    var updates: [JobUpdate] = []
    for try await update in harness.client.follow(t2v.id, requestID: receipt.requestID) { updates.append(update) }
    #expect(updates.last?.status.state == .completed)
    #expect(updates.allSatisfy { $0.channel == .stream })
    let steps = updates.flatMap(\.newLogs).map(\.message).filter { $0.contains("/16") }
    #expect(steps.count == 16, "one log line per step, each once: \(steps)")
    let result = try await harness.client.result(t2v.id, requestID: receipt.requestID)
    #expect(result.video?.seed == 9)
    #expect(result.billableUnits == 4)
    let counts = await harness.emulator.requestCounts()
    #expect(counts[.stream] == 1, "one stream request follows the whole job")
    #expect(counts[.status] == 0)
    await harness.stop()
  }

  @Test func pollingStatusCountsTheQueueDown() async throws {
    let harness = try await Harness.start(workers: 1, step: .milliseconds(30))
    var ids: [String] = []
    for index in 0..<3 {
      ids.append(try await harness.client.submit(MagiRequest(endpoint: t2v, prompt: "p\(index)")).requestID)
    }
    let third = try await harness.client.status(t2v.id, requestID: ids[2])
    #expect(third.state == .inQueue)
    #expect((third.queuePosition ?? 0) >= 1)
    for try await _ in harness.client.follow(t2v.id, requestID: ids[2]) {}
    let done = try await harness.client.status(t2v.id, requestID: ids[2])
    #expect(done.state == .completed)
    await harness.stop()
  }

  @Test func anInvalidRequestSentAnywayFailsWithPerFieldMessages() async throws {
    let harness = try await Harness.start()
    let receipt = try await harness.client.submit(t2v.id, input: ["prompt": "p", "num_frames": 10])
    var last: QueueStatus?
    for try await update in harness.client.follow(t2v.id, requestID: receipt.requestID) { last = update.status }
    #expect(last?.isFailure == true)
    do {
      _ = try await harness.client.result(t2v.id, requestID: receipt.requestID)
      Issue.record("the result of an invalid request must be an error")
    } catch {
      #expect(error.fieldErrors.map(\.field) == ["num_frames"])
    }
    await harness.stop()
  }

  @Test func cancellingAQueuedJobEndsItAndASecondCancelIsTooLate() async throws {
    let harness = try await Harness.start(workers: 1, step: .milliseconds(50))
    _ = try await harness.client.submit(MagiRequest(endpoint: t2v, prompt: "busy"))
    let queued = try await harness.client.submit(MagiRequest(endpoint: t2v, prompt: "waiting"))
    #expect(try await harness.client.cancel(t2v.id, requestID: queued.requestID) == .requested)
    var last: QueueStatus?
    for try await update in harness.client.follow(t2v.id, requestID: queued.requestID) { last = update.status }
    #expect(last?.isFailure == true)
    #expect(try await harness.client.cancel(t2v.id, requestID: queued.requestID) == .alreadyCompleted)
    await harness.stop()
  }

  @Test func unknownRequestsAndMissingKeysAreTypedErrors() async throws {
    let harness = try await Harness.start()
    await #expect(throws: FalClientError.self) { try await harness.client.status(t2v.id, requestID: "nope") }
    let keyless = FalQueueClient(
      transport: Self.transport, endpoints: harness.client.endpoints, credentials: Credentials(key: ""),
      retryPolicy: .none)
    do {
      _ = try await keyless.submit(t2v.id, input: ["prompt": "p"])
      Issue.record("a request without a key must be refused")
    } catch {
      if case .unauthorized = error {} else { Issue.record("expected unauthorized, got \(error)") }
    }
    await harness.stop()
  }

  @Test func aSubmitAnswered500IsNotRepeatedButA503Is() async throws {
    let harness = try await Harness.start()
    await harness.emulator.injectFaults([.status(500)], on: .submit)
    await #expect(throws: FalClientError.self) {
      try await harness.client.submit(MagiRequest(endpoint: t2v, prompt: "p"))
    }
    #expect(await harness.emulator.requestCount(.submit) == 1, "no duplicate job after an ambiguous failure")
    await harness.emulator.injectFaults([.status(503), .rateLimited(retryAfter: 0)], on: .submit)
    let receipt = try await harness.client.submit(MagiRequest(endpoint: t2v, prompt: "p"))
    #expect(!receipt.requestID.isEmpty)
    #expect(await harness.emulator.requestCount(.submit) == 4)
    await harness.stop()
  }

  @Test func droppedConnectionsAndMalformedBodiesOnReadsAreRetried() async throws {
    let harness = try await Harness.start()
    let receipt = try await harness.client.submit(MagiRequest(endpoint: t2v, prompt: "p"))
    await harness.emulator.injectFaults([.dropConnection, .ingress(502)], on: .status)
    let status = try await harness.client.status(t2v.id, requestID: receipt.requestID)
    #expect(status.requestID == receipt.requestID)
    await harness.emulator.injectFaults([.malformedBody], on: .status)
    await #expect(throws: FalClientError.self) { try await harness.client.status(t2v.id, requestID: receipt.requestID) }
    await harness.stop()
  }

  @Test func droppedStreamsAreReopenedAndNoLogLineIsLostOrRepeated() async throws {
    let harness = try await Harness.start(step: .milliseconds(15))
    let receipt = try await harness.client.submit(MagiRequest(endpoint: t2v, prompt: "p"))
    await harness.emulator.injectFaults([.dropStream(afterEvents: 2), .dropStream(afterEvents: 3)], on: .stream)
    var messages: [String] = []
    var last: QueueStatus?
    for try await update in harness.client.follow(t2v.id, requestID: receipt.requestID) {
      messages += update.newLogs.map(\.message)
      last = update.status
    }
    #expect(last?.state == .completed)
    #expect(Set(messages).count == messages.count, "no line twice")
    #expect(messages.filter { $0.contains("/16") }.count == 16, "no step lost: \(messages)")
    #expect(await harness.emulator.requestCount(.stream) >= 3)
    await harness.stop()
  }

  @Test func uploadsComeBackByteForByteFromTheReturnedURL() async throws {
    let harness = try await Harness.start()
    let path = NSTemporaryDirectory() + "magi-upload-\(UUID().uuidString).png"
    let bytes = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
    try bytes.write(to: URL(fileURLWithPath: path))
    let url = try await harness.client.upload(file: path, contentType: "image/png")
    let target = path + ".back"
    try await harness.client.download(url, to: target)
    #expect((try Data(contentsOf: URL(fileURLWithPath: target))).elementsEqual(bytes), "bytes differ")
    await #expect(throws: FalClientError.self) { try await harness.client.upload(file: path + ".missing") }
    await harness.stop()
  }

  @Test func anInterruptedDownloadResumesWhereItStopped() async throws {
    let harness = try await Harness.start()
    let path = NSTemporaryDirectory() + "magi-resume-\(UUID().uuidString).bin"
    let bytes = Data((0..<500_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
    try bytes.write(to: URL(fileURLWithPath: path))
    let url = try await harness.client.upload(file: path)
    let target = path + ".download"
    // Half a file, as an interrupted transfer leaves it.
    try bytes.prefix(200_000).write(to: URL(fileURLWithPath: target + ".part"))
    await harness.emulator.resetRequestCounts()
    let size = try await harness.client.download(url, to: target)
    #expect(size == 500_000)
    #expect((try Data(contentsOf: URL(fileURLWithPath: target))).elementsEqual(bytes), "bytes differ")
    #expect(!FileManager.default.fileExists(atPath: target + ".part"))
    await harness.stop()
  }

  @Test func aLargeUploadIsStreamedWithBoundedMemory() async throws {
    let harness = try await Harness.start()
    let path = NSTemporaryDirectory() + "magi-large-\(UUID().uuidString).mp4"
    let size: Int64 = 300 << 20
    // A sparse file: 300 MiB on the wire, no disk or memory to make it.
    let fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0o600)
    #expect(ftruncate(fd, off_t(size)) == 0)
    close(fd)
    defer { unlink(path) }
    let before = residentBytes()
    let peak = PeakTracker()
    let url = try await harness.client.upload(file: path, contentType: "video/mp4") { _ in peak.sample() }
    #expect(url.hasPrefix("http://"))
    let growth = max(peak.value, residentBytes()) - before
    #expect(growth < 64 << 20, "memory grew by \(growth >> 20) MiB for a \(size >> 20) MiB upload")
    await harness.stop()
  }
}

/// Resident set size of this process, from /proc.
func residentBytes() -> Int64 {
  guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
  for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
    let kilobytes = line.split(separator: " ").dropFirst().first.flatMap { Int64($0) } ?? 0
    return kilobytes * 1024
  }
  return 0
}

final class PeakTracker: Sendable {
  private let peak = Mutex<Int64>(0)
  func sample() {
    let now = residentBytes()
    peak.withLock { $0 = max($0, now) }
  }
  var value: Int64 { peak.withLock { $0 } }
}
