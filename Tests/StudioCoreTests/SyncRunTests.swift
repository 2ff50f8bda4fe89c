import CurlTransport
import FalClient
import FalEmulator
import FalProtocol
import Foundation
import HistoryStore
import Synchronization
import Testing

@testable import StudioCore

/// `generate --sync` through the generation runner: the record before the call, the result and
/// its video after it, and a lost reply left unknown. The synchronous call itself is answered
/// here (the twin's run host answers it for real); everything else goes to the in-process twin.
@Suite struct SyncRunnerTests {
  /// Answers `POST` on the run host from `answer`, counting them; passes everything else on.
  final class RunHost: HTTPTransport {
    let base: any HTTPTransport
    let answer: @Sendable () throws(TransportError) -> HTTPResponse
    private let calls = Mutex(0)
    var runs: Int { calls.withLock { $0 } }

    init(over base: any HTTPTransport, answer: @escaping @Sendable () throws(TransportError) -> HTTPResponse) {
      self.base = base
      self.answer = answer
    }

    func execute(_ request: HTTPRequest, sink: HTTPResponseSink) async throws(TransportError) -> HTTPResponse {
      guard request.headers["Host"] == "fal.run" else { return try await base.execute(request, sink: sink) }
      calls.withLock { $0 += 1 }
      return try answer()
    }
  }

  func harness(answer: @escaping @Sendable (String) throws(TransportError) -> HTTPResponse) async throws -> (
    FalEmulator, GenerationRunner, RunHost, String
  ) {
    let emulator = FalEmulator(configuration: EmulatorConfiguration(stepDuration: .milliseconds(5)))
    let base = try await emulator.start()
    let directory = NSTemporaryDirectory() + "magi-sync-\(UUID().uuidString)"
    // A video the twin serves, for the answer to name.
    let upload = FalQueueClient(
      transport: GenerationRunnerTests.transport, endpoints: FalEndpoints(single: base),
      credentials: Credentials(key: "k"))
    let clip = NSTemporaryDirectory() + "magi-sync-\(UUID().uuidString).mp4"
    try Data(repeating: 7, count: 4096).write(to: URL(fileURLWithPath: clip))
    let videoURL = try await upload.upload(file: clip, contentType: "video/mp4")
    let host = RunHost(over: GenerationRunnerTests.transport) { () throws(TransportError) in try answer(videoURL) }
    let client = FalQueueClient(
      transport: host, endpoints: FalEndpoints(single: base), credentials: Credentials(key: "k"),
      retryPolicy: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10)))
    let runner = GenerationRunner(
      client: client, history: try await HistoryStore(directory: directory), videosDirectory: directory + "/videos")
    return (emulator, runner, host, directory)
  }

  @Test func aSyncRunIsRecordedFirstAndEndsWithItsVideoOnDisk() async throws {
    let (emulator, runner, host, directory) = try await harness { url throws(TransportError) in
      var headers = HTTPHeaders()
      headers.add("Content-Type", "application/json")
      headers.add("x-fal-request-id", "sync-1")
      headers.add("x-fal-billable-units", "4")
      return HTTPResponse(
        status: 200, headers: headers,
        body: Data(#"{"video":{"url":"\#(url)","content_type":"video/mp4","file_size":4096},"seed":11}"#.utf8))
    }
    defer { Task { await emulator.stop() } }
    let record = try await runner.runSync(MagiRequest(endpoint: MagiEndpoint(mode: .textToVideo), prompt: "p"))
    #expect(host.runs == 1)
    #expect(record.status == .completed)
    #expect(record.requestID == "sync-1")
    #expect(record.transitions.map(\.status) == [.submitting, .completed])
    #expect(record.billing?.units == 4)
    let local = try #require(record.localFile)
    #expect(FileManager.default.contents(atPath: local.path) == Data(repeating: 7, count: 4096))
    let stored = try await HistoryStore(directory: directory).record(id: record.id)
    #expect(stored?.status == .completed)
    #expect(await emulator.requestCount(.submit) == 0, "no queue")
  }

  @Test func aSyncRunWhoseReplyIsLostEndsUnknownAndIsNotResent() async throws {
    let (emulator, runner, host, directory) = try await harness { _ throws(TransportError) in
      throw TransportError(.connectionLost, "the connection dropped")
    }
    defer { Task { await emulator.stop() } }
    await #expect(throws: StudioError.self) {
      _ = try await runner.runSync(MagiRequest(endpoint: MagiEndpoint(mode: .textToVideo), prompt: "p"))
    }
    #expect(host.runs == 1, "sent once")
    let history = try await HistoryStore(directory: directory)
    let summary = try #require(await history.query(HistoryQuery()).summaries.first)
    #expect(summary.status == .unknown)
  }

  @Test func aStartTimeoutOnASyncRunIsRecordedInWords() async throws {
    let (emulator, runner, _, _) = try await harness { _ throws(TransportError) in
      var headers = HTTPHeaders()
      headers.add("Content-Type", "application/json")
      headers.add("x-fal-request-timeout-type", "user")
      return HTTPResponse(status: 504, headers: headers, body: Data(#"{"detail":"Request timed out"}"#.utf8))
    }
    defer { Task { await emulator.stop() } }
    do {
      _ = try await runner.runSync(
        MagiRequest(endpoint: MagiEndpoint(mode: .textToVideo), prompt: "p"), startTimeout: 3)
      Issue.record("no error")
    } catch {
      guard case .client(.startTimeout) = error else { throw error }
    }
  }
}
