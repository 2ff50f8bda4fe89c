import Foundation
import TestSupport
import Testing

/// What the command line says when a user gets something wrong, and the shapes scripts rely on.
@Suite struct CommandLineTests {
  @Test func argumentErrorsAreOneLineWithTheExitCodeForInvalidInput() async throws {
    let runner = try CommandRunner()
    for arguments in [
      ["generate"], ["generate", "--prompt"], ["generate", "--prompt", "p", "--nope"],
      ["generate", "--prompt", "p", "--num-frames", "many"], ["history", "lst"],
      ["generate", "--prompt", "p", "--webhook", "not a url"],
    ] {
      let output = try await runner.run(arguments)
      #expect(output.status == 64, "\(arguments): \(output.stderr)")
      let lines = output.stderr.split(separator: "\n")
      #expect(lines.count == 1, "\(arguments): \(output.stderr)")
      #expect(lines.first?.hasPrefix("magi-studio: ") == true, "\(arguments): \(output.stderr)")
      #expect(!output.stderr.contains("OFFLINE"), "nothing was started or sent")
    }
    let missing = try await runner.run(["generate"])
    #expect(
      missing.stderr
        == "magi-studio: missing expected argument '--prompt <prompt>' (see: magi-studio generate --help)\n")
  }

  /// `--seed -1` is a number for the schema to judge, not an unknown option.
  @Test func negativeNumbersReachTheSchema() async throws {
    let runner = try CommandRunner()
    let seed = try await runner.run(["generate", "--prompt", "p", "--seed", "-1", "--dry-run"])
    #expect(seed.status == 0, "\(seed.stderr)")
    #expect(seed.stdout.contains(#""seed":-1"#))
    let frames = try await runner.run(["generate", "--prompt", "p", "--num-frames", "-5"])
    #expect(frames.status == 64)
    #expect(frames.stderr == "magi-studio: invalid input: num_frames: Input should be greater than or equal to 96\n")
  }

  @Test func aWebhookMustBeAnHttpURL() async throws {
    let runner = try CommandRunner()
    for bad in ["hook", "ftp://example.com/x", "https://", "javascript:alert(1)"] {
      let output = try await runner.run(["generate", "--prompt", "p", "--webhook", bad, "--dry-run"])
      #expect(output.status == 64, "\(bad)")
      #expect(output.stderr.contains("--webhook must be an http(s) URL"), "\(bad): \(output.stderr)")
    }
    let good = try await runner.run([
      "generate", "--prompt", "p", "--webhook", "https://example.com/hook?x=1", "--dry-run",
    ])
    #expect(good.status == 0, "\(good.stderr)")
  }

  @Test func everyJSONOutputWritesDatesAsISO8601LikeTheExport() async throws {
    let runner = try CommandRunner()
    let generated = try await runner.run(["generate", "--prompt", "dated", "--wait", "--json"])
    #expect(generated.status == 0, "\(generated.stderr)")
    let record = try #require(try JSONSerialization.jsonObject(with: Data(generated.stdout.utf8)) as? [String: Any])
    let id = try #require(record["id"] as? String)
    let created = try #require(record["created"] as? String, "created is \(String(describing: record["created"]))")
    #expect(created.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil, "\(created)")
    let submitted = try await runner.run(["generate", "--prompt", "dated too", "--json"])
    let receipt = try #require(try JSONSerialization.jsonObject(with: Data(submitted.stdout.utf8)) as? [String: Any])
    #expect(receipt["created"] is String)
    let shown = try await runner.run(["history", "show", id, "--json"])
    let status = try await runner.run(["status", id, "--json"])
    let result = try await runner.run(["result", id, "--json"])
    let export = try await runner.run(["history", "export"])
    let exported = try #require(try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as? [[String: Any]])
    let exportedRecord = try #require(exported.first { $0["id"] as? String == id })
    for output in [shown, status, result] {
      let object = try #require(
        try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any], "\(output.stdout)")
      #expect(object["created"] as? String == exportedRecord["created"] as? String)
      #expect(object["updated"] as? String == exportedRecord["updated"] as? String)
      let transitions = try #require(object["transitions"] as? [[String: Any]])
      #expect(transitions.allSatisfy { $0["at"] is String })
    }
  }

  @Test func anInlinedImageIsNotReportedAsUploaded() async throws {
    let runner = try CommandRunner()
    let image = try await runner.makeImage(size: "64x48")
    let inlined = try await runner.run(["generate", "--image", image, "--prompt", "p", "--inline"])
    #expect(inlined.status == 0, "\(inlined.stderr)")
    #expect(!inlined.stderr.contains("uploaded"), "\(inlined.stderr)")
    #expect(inlined.stderr.contains("inlined \(image) as a data URI"))
    let uploaded = try await runner.run(["generate", "--image", image, "--prompt", "p"])
    #expect(uploaded.stderr.contains("uploaded \(image)"))
  }

  /// `--mode` takes the short names the studio shows (`i2v`), not only the full ones.
  @Test func theModeTakesItsShortName() async throws {
    let runner = try CommandRunner()
    let image = try await runner.makeImage(size: "64x48")
    let sent = try await runner.run(["generate", "--mode", "i2v", "--image", image, "--prompt", "p", "--json"])
    #expect(sent.status == 0, "\(sent.stderr)")
    #expect(sent.stdout.contains("\"mode\":\"image-to-video\""), "\(sent.stdout)")
    let wrong = try await runner.run(["generate", "--mode", "x2v", "--prompt", "p"])
    #expect(wrong.status == 64, "\(wrong.stderr)")
  }

  /// config.toml's `videos_dir` places the CLI's videos as it does the studio's; `--videos-dir`
  /// still wins.
  @Test func configVideosDirPlacesTheCLIsVideos() async throws {
    let runner = try CommandRunner()
    try FileManager.default.createDirectory(
      atPath: runner.home + "/config/magi-studio", withIntermediateDirectories: true)
    try "videos_dir = \"~/clips\"\n".write(
      toFile: runner.home + "/config/magi-studio/config.toml", atomically: true, encoding: .utf8)
    let made = try await runner.run(["generate", "--prompt", "a quiet harbour", "--wait"])
    #expect(made.status == 0, "\(made.stderr)")
    let clips = try FileManager.default.contentsOfDirectory(atPath: runner.home + "/clips")
    #expect(clips.count == 1 && clips[0].hasSuffix(".mp4"), "\(clips)")
    let flagged = try await runner.run(
      ["generate", "--prompt", "a quiet harbour", "--wait", "--videos-dir", runner.home + "/other"])
    #expect(flagged.status == 0, "\(flagged.stderr)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: runner.home + "/other").count == 1)
    #expect(try FileManager.default.contentsOfDirectory(atPath: runner.home + "/clips").count == 1)
  }

  @Test func theExitCodesAreInTheHelp() async throws {
    let runner = try CommandRunner()
    let help = try await runner.run(["--help"])
    #expect(help.status == 0)
    for code in ["0", "1", "64", "69", "73", "74", "75", "77", "130"] {
      #expect(help.stdout.contains("\n  \(code) "), "exit code \(code) is documented")
    }
  }
}
