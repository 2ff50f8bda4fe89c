import FlyingFox
import Foundation
import TestSupport
import Testing

/// `generate` with what fal's queue offers beyond the input: webhooks (delivered to a local
/// receiver), data URIs and `--inline`, start timeouts and priority, uploads reused across runs,
/// and each of fal's error types ending a job with its own message and exit code.
@Suite struct FalParityCommandTests {
  /// A local HTTP server that takes fal's webhook POSTs and hands their bodies over in order.
  final class WebhookReceiver: Sendable {
    let server: HTTPServer
    let bodies: AsyncStream<Data>
    private let task: Task<Void, Never>
    let url: String

    init() async throws {
      let (stream, continuation) = AsyncStream.makeStream(of: Data.self)
      bodies = stream
      let server = HTTPServer(address: try sockaddr_in.inet(ip4: "127.0.0.1", port: 0), logger: .disabled)
      await server.appendRoute("POST /hook") { request in
        continuation.yield(try await request.bodyData)
        return HTTPResponse(statusCode: .ok)
      }
      self.server = server
      task = Task { try? await server.run() }
      try await server.waitUntilListening()
      guard case .ip4(_, let port)? = await server.listeningAddress else { throw CocoaError(.fileReadUnknown) }
      url = "http://127.0.0.1:\(port)/hook"
    }

    /// The first body received.
    func first() async -> [String: Any]? {
      for await body in bodies { return try? JSONSerialization.jsonObject(with: body) as? [String: Any] }
      return nil
    }

    func stop() async {
      await server.stop()
      task.cancel()
    }
  }

  static func field(_ name: String, in json: String) -> Any? {
    (try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?[name]
  }

  @Test func aWebhookIsRecordedAndTheLocalReceiverGetsFalsPayload() async throws {
    let runner = try CommandRunner()
    let receiver = try await WebhookReceiver()
    let output = try await runner.run([
      "generate", "--prompt", "a fox", "--webhook", receiver.url, "--priority", "low", "--start-timeout", "30",
      "--wait", "--json",
    ])
    #expect(output.status == 0, "stderr: \(output.stderr)")
    #expect(Self.field("webhook", in: output.stdout) as? String == receiver.url)
    #expect(Self.field("priority", in: output.stdout) as? String == "low")
    #expect(Self.field("start_timeout", in: output.stdout) as? Double == 30)
    let payload = try #require(await receiver.first())
    #expect(payload["status"] as? String == "OK")
    #expect(payload["request_id"] as? String == Self.field("request_id", in: output.stdout) as? String)
    #expect(((payload["payload"] as? [String: Any])?["video"] as? [String: Any])?["url"] != nil)
    await receiver.stop()
  }

  @Test func configTomlGivesADefaultWebhookThatNoWebhookTurnsOff() async throws {
    let runner = try CommandRunner()
    try FileManager.default.createDirectory(
      atPath: runner.home + "/config/magi-studio", withIntermediateDirectories: true)
    try "webhook = \"https://example.com/fal-hook\"\n".write(
      toFile: runner.home + "/config/magi-studio/config.toml", atomically: true, encoding: .utf8)
    let first = try await runner.run(["generate", "--prompt", "p", "--json"])
    #expect(first.status == 0, "stderr: \(first.stderr)")
    #expect(Self.field("webhook", in: first.stdout) as? String == "https://example.com/fal-hook")
    let second = try await runner.run(["generate", "--prompt", "p", "--json", "--no-webhook"])
    #expect(Self.field("webhook", in: second.stdout) == nil)
  }

  @Test func dataURIsAreCheckedAndAnImageOneIsSentAsItIs() async throws {
    let runner = try CommandRunner()
    let text = try await runner.run(["generate", "--prompt", "p", "--image", "data:text/plain;base64,aGVsbG8="])
    #expect(text.status == 64)
    #expect(text.stderr.contains("the data URI holds text/plain, not an image"), "\(text.stderr)")
    #expect(!text.stderr.contains("OFFLINE"), "nothing was started or sent")
    let video = try await runner.run(["generate", "--prompt", "p", "--video", "data:image/png;base64,iVBORw0KGgo="])
    #expect(video.status == 64)
    #expect(video.stderr.contains("not a video"))

    let png = try Data(contentsOf: URL(fileURLWithPath: try await runner.makeImage(size: "64x48")))
    let uri = "data:image/png;base64," + png.base64EncodedString()
    let sent = try await runner.run(["generate", "--prompt", "p", "--image", uri, "--wait", "--json"])
    #expect(sent.status == 0, "stderr: \(sent.stderr)")
    let input = try #require(Self.field("input", in: sent.stdout) as? [String: Any])
    #expect(input["image_url"] as? String == uri)
  }

  @Test func inlineSendsTheFileInTheRequestAndNothingToStorage() async throws {
    let runner = try CommandRunner()
    let emulator = try await EmulatorProcess(runner: runner, arguments: ["--step-ms", "1"])
    defer { emulator.stop() }
    let image = try await runner.makeImage()
    let output = try await runner.run(
      ["generate", "--prompt", "p", "--image", image, "--inline", "--wait", "--json"],
      environment: ["MAGI_FAL_URL": emulator.baseURL])
    #expect(output.status == 0, "stderr: \(output.stderr)")
    #expect(output.stderr.contains("inlined"))
    let input = try #require(Self.field("input", in: output.stdout) as? [String: Any])
    #expect((input["image_url"] as? String)?.hasPrefix("data:image/png;base64,iVBOR") == true)
    #expect(try await emulator.requestCount("storage") == 0)
  }

  @Test func theSameImageIsUploadedOnceAcrossRunsAndVerboseSaysWhichWayItWent() async throws {
    let runner = try CommandRunner()
    let emulator = try await EmulatorProcess(runner: runner, arguments: ["--step-ms", "1"])
    defer { emulator.stop() }
    let env = ["MAGI_FAL_URL": emulator.baseURL]
    let image = try await runner.makeImage()
    let first = try await runner.run(["generate", "--prompt", "a", "--image", image, "--verbose"], environment: env)
    #expect(first.status == 0, "stderr: \(first.stderr)")
    #expect(first.stderr.contains("verbose: uploading first.png"), "\(first.stderr)")
    let uploads = try await emulator.requestCount("storage")
    #expect(uploads == 2, "CDN token and upload")
    let second = try await runner.run(["generate", "--prompt", "b", "--image", image, "--verbose"], environment: env)
    #expect(second.status == 0, "stderr: \(second.stderr)")
    #expect(second.stderr.contains("verbose: not uploading"), "\(second.stderr)")
    #expect(try await emulator.requestCount("storage") == uploads)
  }

  @Test(arguments: [
    ("runner_disconnected", Int32(69), "the runner was lost while running the job"),
    ("request_timeout", 69, "the request ran longer than fal allows"),
    ("content_policy_violation", 65, "refused by the model's content policy"),
    ("start_timeout", 124, "did not start within its start timeout of 5 s"),
  ])
  func eachErrorTypeEndsWithItsMessageAndExitCode(_ type: String, _ code: Int32, _ words: String) async throws {
    let runner = try CommandRunner()
    let emulator = try await EmulatorProcess(runner: runner, arguments: ["--step-ms", "1", "--jobs-end-as", type])
    defer { emulator.stop() }
    let output = try await runner.run(
      ["generate", "--prompt", "p", "--start-timeout", "5", "--wait"], environment: ["MAGI_FAL_URL": emulator.baseURL])
    #expect(output.status == code, "stderr: \(output.stderr)")
    #expect(output.stderr.contains(words), "\(output.stderr)")
  }

  @Test(arguments: [
    ["--webhook", "https://example.com/h"], ["--priority", "low"], ["--cancel-on-interrupt"], ["--wait"],
  ])
  func syncRefusesWhatOnlyTheQueueHas(_ extra: [String]) async throws {
    let runner = try CommandRunner()
    let output = try await runner.run(["generate", "--prompt", "p", "--sync"] + extra)
    #expect(output.status == 64)
    #expect(output.stderr.contains("--sync takes no \(extra[0])"), "\(output.stderr)")
  }

  /// One blocking call on the twin's run route (no queue), the video downloaded and recorded; the
  /// twin is reached by its loopback address, so its URLs must stay there (they once named
  /// v3.fal.media, and the download failed after the job had run).
  @Test func syncRunsOnTheEmbeddedTwinAndKeepsTheVideo() async throws {
    let runner = try CommandRunner()
    let output = try await runner.run(["generate", "--prompt", "quiet lake", "--steps", "8", "--sync", "--json"])
    #expect(output.status == 0, "\(output.stderr)")
    let line = try #require(output.stdout.split(separator: "\n").last)
    let record = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    #expect(record["status"] as? String == "completed")
    let path = try #require((record["local_file"] as? [String: Any])?["path"] as? String)
    #expect(FileManager.default.fileExists(atPath: path))
  }

  @Test func aStartTimeoutOfOneSecondOrLessIsRefused() async throws {
    let runner = try CommandRunner()
    let output = try await runner.run(["generate", "--prompt", "p", "--start-timeout", "1"])
    #expect(output.status == 64)
    #expect(output.stderr.contains("--start-timeout must be more than 1"))
  }
}
