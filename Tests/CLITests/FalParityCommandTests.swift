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

  /// An https receiver for `localhost` whose certificate a CA made for this test signed.
  static let httpsReceiver = """
    import http.server, ssl, sys
    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(200)
            self.end_headers()
            print(self.headers.get("X-Fal-Webhook-Request-Id", "-"), body.decode(), flush=True)
        def log_message(self, *arguments):
            pass
    server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[1] + "/cert.pem", sys.argv[1] + "/key.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()
    """

  /// A CA and a certificate for `localhost` signed by it, in `directory` (ca.pem, cert.pem, key.pem).
  static func makeCertificates(in directory: String) async throws {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    try "subjectAltName=DNS:localhost\n".write(toFile: directory + "/ext.cnf", atomically: true, encoding: .utf8)
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for step in [
      ["req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=magi test CA"],
      ["req"] + ec + ["-keyout", "key.pem", "-out", "cert.csr", "-subj", "/CN=localhost"],
      [
        "x509", "-req", "-in", "cert.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "cert.pem",
        "-days", "1", "-extfile", "ext.cnf",
      ],
    ] {
      let output = try await ChildProcess.run(["openssl"] + step, directory: directory)
      guard output.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: ["openssl": output.stderr]) }
    }
  }

  /// fal delivers to any https target; so does the twin, over libcurl, to a host name, trusting the
  /// CA that `CURL_CA_BUNDLE` names (as a company's TLS proxy would need).
  @Test func aWebhookIsDeliveredToAnHTTPSTargetByName() async throws {
    let runner = try CommandRunner()
    let tls = runner.home + "/tls"
    try await Self.makeCertificates(in: tls)
    let receiver = try RunningChild(["python3", "-c", Self.httpsReceiver, tls])
    defer { receiver.kill() }
    let announced = await receiver.stdout.lines(reaching: 1).first
    let port = try #require(announced.flatMap { Int($0) }, "\(receiver.stderr.text)")
    let emulator = try await EmulatorProcess(
      runner: runner, arguments: ["--step-ms", "1"], environment: ["CURL_CA_BUNDLE": tls + "/ca.pem"])
    defer { emulator.stop() }
    let target = "https://localhost:\(port)/hook"
    let output = try await runner.run(
      ["generate", "--prompt", "a fox", "--webhook", target, "--wait", "--json"],
      environment: ["MAGI_FAL_URL": emulator.baseURL])
    #expect(output.status == 0, "stderr: \(output.stderr)")
    let requestID = try #require(Self.field("request_id", in: output.stdout) as? String)
    let delivered = await receiver.stdout.lines(reaching: 2)
    let line = try #require(delivered.dropFirst().first, "nothing delivered: \(emulator.child.stderr.text)")
    #expect(line.hasPrefix(requestID + " "))
    let payload = Self.field("status", in: String(line.dropFirst(requestID.count + 1)))
    #expect(payload as? String == "OK")
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
