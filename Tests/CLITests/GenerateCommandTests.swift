import Foundation
import TestSupport
import Testing

/// The CLI end to end: the real binary, its embedded emulator, real files.
@Suite struct GenerateCommandTests {
  @Test func imageToVideoOnTheEmbeddedEmulatorLeavesAPlayableVideoOfTheRequestedShape() async throws {
    let runner = try CommandRunner()
    let image = try await runner.makeImage()
    let output = try await runner.run([
      "generate", "--image", image, "--prompt", "a red fox runs", "--num-frames", "120", "--resolution", "480p",
      "--aspect-ratio", "1:1", "--seed", "42", "--wait", "--download", runner.home + "/renders", "--json",
    ])
    #expect(output.status == 0, "stderr: \(output.stderr)")
    #expect(output.stderr.contains("OFFLINE"))
    #expect(output.stderr.contains("uploaded"))
    #expect(output.stderr.contains("queued"))
    #expect(
      output.stderr.contains("Step 16/16") || output.stderr.contains("16/16"), "logs are streamed: \(output.stderr)")
    let json = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]
    let saved = try #require((json?["local_file"] as? [String: Any])?["path"] as? String)
    #expect(saved.hasPrefix(runner.home + "/data/magi-studio/videos/"), "the studio keeps its own copy")
    #expect(saved.contains("_a-red-fox-runs_"))
    let copy = try #require(json?["copy"] as? String)
    #expect(copy.hasPrefix(runner.home + "/renders/"))
    #expect((json?["result"] as? [String: Any])?["seed"] as? Int == 42)
    #expect((json?["billing"] as? [String: Any])?["units"] as? Double == 2.5)
    #expect(json?["status"] as? String == "completed")
    let video = try await probeVideo(copy)
    #expect(video.frames == 120)
    #expect(video.width == 480)
    #expect(video.height == 480)
    #expect(!FileManager.default.fileExists(atPath: saved + ".part"))
  }

  @Test func withoutWaitItPrintsOnlyTheRequestID() async throws {
    let runner = try CommandRunner()
    let output = try await runner.run(["generate", "--prompt", "waves"])
    #expect(output.status == 0, "stderr: \(output.stderr)")
    let id = output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(id.count >= 16 && !id.contains(" "))
  }

  @Test func outOfRangeValuesAreRefusedInOneLineBeforeAnyRequest() async throws {
    let runner = try CommandRunner()
    let output = try await runner.run(["generate", "--prompt", "p", "--num-frames", "500", "--wait"])
    #expect(output.status == 64)
    #expect(output.stderr.contains("num_frames: Input should be less than or equal to 192"))
    #expect(!output.stderr.contains("OFFLINE"), "nothing was started or sent")
    #expect(output.stderr.split(separator: "\n").count == 1)
  }

  @Test func unknownEnumValuesNameTheChoices() async throws {
    let runner = try CommandRunner()
    let output = try await runner.run(["generate", "--prompt", "p", "--resolution", "1080p"])
    #expect(output.status == 64)
    #expect(output.stderr.contains("resolution: Input should be '480p' or '720p'"))
  }

  @Test func aMissingImageFileIsAClearError() async throws {
    let runner = try CommandRunner()
    let output = try await runner.run(["generate", "--prompt", "p", "--image", runner.home + "/nope.png"])
    #expect(output.status == 64)
    #expect(output.stderr.contains("cannot read \(runner.home)/nope.png: No such file or directory"))
  }

  @Test func aFileThatIsNotAnImageIsRefused() async throws {
    let runner = try CommandRunner()
    let path = runner.home + "/notes.png"
    try "just text".write(toFile: path, atomically: true, encoding: .utf8)
    let output = try await runner.run(["generate", "--prompt", "p", "--image", path])
    #expect(output.status == 64)
    #expect(output.stderr.contains("is not an image"))
  }

  @Test func dryRunPrintsTheBodyAndTheCostAndSendsNothing() async throws {
    let runner = try CommandRunner()
    let output = try await runner.run([
      "generate", "--prompt", "p", "--num-frames", "144", "--steps", "32", "--dry-run",
    ])
    #expect(output.status == 0)
    #expect(output.stdout.contains(#""num_frames":144"#))
    #expect(output.stderr.contains("fal-ai/magi-distilled: 12 billing units, about $0.96"))
    #expect(!output.stderr.contains("OFFLINE"))
  }

  @Test func aRejectedKeyExitsWithTheAuthCode() async throws {
    let runner = try CommandRunner()
    let emulator = try await EmulatorProcess(runner: runner, arguments: ["--expect-key", "right:key"])
    defer { emulator.stop() }
    let output = try await runner.run(
      ["generate", "--prompt", "p"], environment: ["FAL_KEY": "wrong:key-secret", "MAGI_FAL_URL": emulator.baseURL])
    #expect(output.status == 77)
    #expect(output.stderr.contains("not authorised"))
    #expect(!output.stderr.contains("key-secret"))
  }

  @Test func scriptsCanSubmitFollowAndCancelAcrossCommandsOnAStandaloneEmulator() async throws {
    let runner = try CommandRunner()
    let emulator = try await EmulatorProcess(runner: runner, arguments: ["--workers", "1", "--step-ms", "200"])
    defer { emulator.stop() }
    let env = ["MAGI_FAL_URL": emulator.baseURL]
    let first = try await runner.run(["generate", "--prompt", "one"], environment: env)
    let second = try await runner.run(["generate", "--prompt", "two"], environment: env)
    let firstID = first.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    let secondID = second.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    let cancel = try await runner.run(["cancel", secondID, "--json"], environment: env)
    #expect(cancel.status == 0, "stderr: \(cancel.stderr)")
    #expect(cancel.stdout.contains("CANCELLATION_REQUESTED"))
    let followed = try await runner.run(["status", firstID, "--wait"], environment: env)
    #expect(followed.status == 0, "stderr: \(followed.stderr)")
    #expect(followed.stdout.contains("completed"))
    #expect(followed.stdout.contains("saved: \(runner.home)/data/magi-studio/videos/"))
    let result = try await runner.run(["result", firstID, "--json"], environment: env)
    #expect(result.status == 0)
    #expect(result.stdout.contains("video/mp4"))
    let unknown = try await runner.run(["status", "no-such-request"], environment: env)
    #expect(unknown.status == 69)
    #expect(unknown.stderr.contains("not found"))
  }
}

/// `magi-studio emulator` as a separate process, for commands that must share one server.
final class EmulatorProcess {
  let child: RunningChild
  let baseURL: String

  /// Starts it and waits (off the task pool) for the first line it prints: the address it listens on.
  init(runner: CommandRunner, arguments: [String], environment: [String: String] = [:]) async throws {
    child = try RunningChild(
      [CommandRunner.binary, "emulator", "--port", "0"] + arguments,
      environment: runner.environment.merging(environment) { $1 })
    baseURL = await child.stdout.lines(reaching: 1).first ?? ""
    guard baseURL.hasPrefix("http://") else {
      child.kill()
      throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: child.stderr.text])
    }
  }

  /// Interrupts it without waiting (a `defer` cannot await): a thread of its own reaps it.
  func stop() { child.interrupt() }

  /// Interrupts it and waits until it has exited: its port is closed once this returns.
  func stopAndWait() async { await child.stop() }
}
