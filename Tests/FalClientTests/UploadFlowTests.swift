import CurlTransport
import FalClient
import FalEmulator
import FalProtocol
import Foundation
import Synchronization
import Testing

/// fal's two upload flows: the v3 CDN (token, then the bytes; in parts when large) and the storage
/// initiate + PUT it falls back to, and where the key goes (the REST host only).
@Suite struct UploadFlowTests {
  static let key = "key-id-123456:secret-abcdef"
  static let token =
    #"{"token":"cdn-token-1","token_type":"Bearer","base_url":"http://q","expires_at":"2999-01-01T00:00:00+00:00"}"#

  /// A few bytes on disk to upload.
  func smallFile() throws -> String {
    let path = NSTemporaryDirectory() + "magi-flow-\(UUID().uuidString).png"
    try Data([0x89, 0x50, 0x4E, 0x47, 1, 2, 3]).write(to: URL(fileURLWithPath: path))
    return path
  }

  func client(_ transport: ScriptedTransport, lines: Lines) -> FalQueueClient {
    var client = SleepRecorder().client(transport, key: Self.key, retry: .none)
    client.trace = { lines.append($0) }
    return client
  }

  final class Lines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
  }

  @Test func theCDNGetsItsTokenAndNeverTheKey() async throws {
    let transport = ScriptedTransport([
      .respond(.json(200, Self.token)),
      .respond(.json(200, #"{"access_url":"http://q/files/k/first.png"}"#)),
    ])
    let path = try smallFile()
    let url = try await client(transport, lines: Lines()).upload(file: path, contentType: "image/png")
    #expect(url == "http://q/files/k/first.png")
    let (token, upload) = (transport.requests[0], transport.requests[1])
    #expect(token.url == "http://q/storage/auth/token?storage_type=fal-cdn-v3")
    #expect(token.headers["Authorization"] == "Key \(Self.key)")
    #expect(upload.method == .post)
    #expect(upload.url == "http://q/files/upload")
    #expect(upload.headers["Authorization"] == "Bearer cdn-token-1")
    #expect(upload.headers["Content-Type"] == "image/png")
    #expect(upload.headers["X-Fal-File-Name"] == LocalName.of(path))
  }

  @Test func aCDNFailureFallsBackToStorageInitiateAndAKeylessPut() async throws {
    let transport = ScriptedTransport([
      .respond(.json(200, Self.token)),
      .respond(.json(503, #"{"detail":"CDN unavailable"}"#)),
      .respond(.json(200, #"{"upload_url":"http://signed/put?sig=1","file_url":"http://q/files/s/first.png"}"#)),
      .respond(HTTPResponse(status: 200)),
    ])
    let lines = Lines()
    let url = try await client(transport, lines: lines).upload(file: try smallFile(), contentType: "image/png")
    #expect(url == "http://q/files/s/first.png")
    #expect(
      transport.requests.map(\.url) == [
        "http://q/storage/auth/token?storage_type=fal-cdn-v3", "http://q/files/upload",
        "http://q/storage/upload/initiate?storage_type=gcs", "http://signed/put?sig=1",
      ])
    #expect(transport.requests[2].headers["Authorization"] == "Key \(Self.key)")
    #expect(transport.requests[3].headers["Authorization"] == nil, "the signed URL gets no key")
    #expect(lines.all.contains { $0.contains("falling back to fal storage") && $0.contains("CDN unavailable") })
  }

  @Test func whenBothFlowsFailTheErrorNamesBoth() async throws {
    let transport = ScriptedTransport([
      .respond(.json(500, #"{"detail":"token service down"}"#)),
      .respond(.json(503, #"{"detail":"storage down"}"#)),
    ])
    let path = try smallFile()
    let client = client(transport, lines: Lines())
    do throws(FalClientError) {
      _ = try await client.upload(file: path)
      Issue.record("the upload succeeded")
    } catch {
      #expect(error.description.contains("storage down"))
      #expect(error.description.contains("the CDN upload failed first"))
      #expect(error.description.contains("token service down"))
    }
  }

  @Test func aStartTimeoutIsNotRetriedAndSaysWhatHappened() async throws {
    let transport = ScriptedTransport([
      .respond(
        .json(
          504, #"{"detail":"Request timed out","error_type":"request_timeout"}"#,
          headers: ["x-fal-request-timeout-type": "user"]))
    ])
    let sleeper = SleepRecorder()
    let client = sleeper.client(transport, retry: .default)
    do {
      _ = try await client.result(MagiEndpoint(mode: .textToVideo).id, requestID: "r")
      Issue.record("no error")
    } catch {
      guard case .startTimeout = error else { throw error }
      #expect(error.description.contains("did not start within its start timeout"))
    }
    #expect(transport.requests.count == 1)
    #expect(sleeper.recorded.isEmpty)
  }

  @Test func submitSendsThePriorityAndTheStartTimeoutHeaders() async throws {
    let transport = ScriptedTransport([.respond(.json(200, FalQueueClientTests.receipt))])
    _ = try await SleepRecorder().client(transport).submit(
      MagiEndpoint(mode: .textToVideo).id, input: ["prompt": "p"], options: .init(priority: "low", startTimeout: 30))
    let request = try #require(transport.requests.first)
    #expect(request.headers["X-Fal-Queue-Priority"] == "low")
    #expect(request.headers["X-Fal-Request-Timeout"] == "30.0")
  }

  // MARK: - Against the emulator

  @Test func aLargeFileGoesInPartsAndComesBackWhole() async throws {
    let harness = try await EmulatorIntegrationTests.Harness.start()
    defer { Task { await harness.stop() } }
    var client = harness.client
    client.uploadLimits = UploadLimits(multipartThreshold: 100_000, partSize: 64 << 10)
    let lines = Lines()
    client.trace = { lines.append($0) }
    let path = NSTemporaryDirectory() + "magi-parts-\(UUID().uuidString).mp4"
    let bytes = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 13) })
    try bytes.write(to: URL(fileURLWithPath: path))
    let url = try await client.upload(file: path, contentType: "video/mp4")
    try await client.download(url, to: path + ".back")
    #expect((try Data(contentsOf: URL(fileURLWithPath: path + ".back"))).elementsEqual(bytes), "bytes differ")
    #expect(lines.all.contains { $0.contains("in 5 parts") }, "\(lines.all)")
    // token, create, five parts, complete: no initiate.
    #expect(await harness.emulator.requestCount(.storage) == 8)
  }

  @Test func storageFaultsOnTheCDNTokenFallBackToInitiate() async throws {
    let harness = try await EmulatorIntegrationTests.Harness.start()
    defer { Task { await harness.stop() } }
    // The harness tries each call 4 times: the token fails every time, then initiate and PUT pass.
    await harness.emulator.injectFaults(Array(repeating: .status(500), count: 4), on: .storage)
    let lines = Lines()
    var client = harness.client
    client.trace = { lines.append($0) }
    let path = NSTemporaryDirectory() + "magi-fallback-\(UUID().uuidString).png"
    let bytes = Data((0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 3) })
    try bytes.write(to: URL(fileURLWithPath: path))
    let url = try await client.upload(file: path, contentType: "image/png")
    try await client.download(url, to: path + ".back")
    #expect((try Data(contentsOf: URL(fileURLWithPath: path + ".back"))).elementsEqual(bytes))
    #expect(lines.all.contains { $0.contains("falling back") }, "\(lines.all)")
    #expect(await harness.emulator.requestCount(.storage) == 6)
    #expect(await client.fileIsAvailable(url))
    let base = try #require(url.range(of: "/files/")).lowerBound
    #expect(!(await client.fileIsAvailable(url[..<base] + "/files/no-such-key/first.png")))
  }
}

enum LocalName {
  static func of(_ path: String) -> String { String(path.split(separator: "/").last ?? "") }
}

/// `generate --sync`'s call: fal's synchronous endpoint, sent once.
@Suite struct SyncRunTests {
  static let output =
    #"{"video":{"url":"http://q/files/v/out.mp4","content_type":"video/mp4","file_size":10},"seed":3}"#

  @Test func aRunPostsToTheRunHostAndAnswersTheResult() async throws {
    let transport = ScriptedTransport([
      .respond(.json(200, Self.output, headers: ["x-fal-request-id": "req-9", "x-fal-billable-units": "4"]))
    ])
    let result = try await SleepRecorder().client(transport).run(
      MagiEndpoint(mode: .textToVideo).id, input: ["prompt": "p"], startTimeout: 20)
    #expect(result.requestID == "req-9")
    #expect(result.billableUnits == 4)
    #expect(result.video?.seed == 3)
    let request = try #require(transport.requests.first)
    #expect(request.method == .post)
    #expect(request.url == "http://q/fal-ai/magi-distilled")
    #expect(request.headers["Host"] == "fal.run", "one server for every host: the run is told by its host")
    #expect(request.headers["X-Fal-Request-Timeout"] == "20.0")
    #expect(!request.isIdempotent)
  }

  @Test func aRunOnItsOwnBaseKeepsItsHost() async throws {
    let transport = ScriptedTransport([.respond(.json(200, Self.output))])
    let client = FalQueueClient(
      transport: transport,
      endpoints: FalEndpoints(queue: "http://q", rest: "http://r", cdn: "http://c", run: "http://sync"),
      credentials: Credentials(key: "k"), sleep: SleepRecorder().sleep)
    _ = try await client.run(MagiEndpoint(mode: .imageToVideo).id, input: ["prompt": "p"])
    #expect(transport.requests.first?.url == "http://sync/fal-ai/magi-distilled/image-to-video")
    #expect(transport.requests.first?.headers["Host"] == nil)
  }

  @Test func aRunWhoseReplyIsLostIsNotSentAgain() async throws {
    let transport = ScriptedTransport([.fail(.connectionLost), .respond(.json(200, Self.output))])
    let sleeper = SleepRecorder()
    let client = sleeper.client(transport)
    do {
      _ = try await client.run(MagiEndpoint(mode: .textToVideo).id, input: ["prompt": "p"])
      Issue.record("no error")
    } catch {
      guard case .outcomeUnknown = error else { throw error }
    }
    #expect(transport.requests.count == 1, "sent once")
    #expect(sleeper.recorded.isEmpty)
  }

  @Test func environmentNamesTheRunHostOnItsOwn() {
    let endpoints = FalEndpoints.production.overridden(by: ["MAGI_FAL_RUN_URL": "https://sync.example/"])
    #expect(endpoints.run == "https://sync.example")
    #expect(endpoints.queue == "https://queue.fal.run")
    #expect(FalEndpoints.production.runHostHeader == nil)
  }
}
