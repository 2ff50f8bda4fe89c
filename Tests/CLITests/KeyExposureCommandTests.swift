import Foundation
import TestSupport
import Testing

/// The key leaves the process only in the Authorization header: not through a server that echoes
/// it back, not to another user of the machine through the embedded emulator.
@Suite struct KeyExposureCommandTests {
  @Test func aServerThatEchoesRequestHeadersNeverGetsTheKeyOntoTheScreenOrIntoTheHistory() async throws {
    let runner = try CommandRunner()
    let key = "echo-key-id:echo-key-secret-0123456789"
    let wrongKey = "wrong-key-id:wrong-key-secret-987654"
    let strict = try await EmulatorProcess(runner: runner, arguments: ["--key", key, "--echo-headers"])
    defer { strict.stop() }
    let limited = try await EmulatorProcess(
      runner: runner, arguments: ["--echo-headers", "--rate-limit-rate", "1", "--retry-after", "0"])
    defer { limited.stop() }
    let refused = try await runner.run(
      ["generate", "--prompt", "p", "--wait"], environment: ["FAL_KEY": wrongKey, "MAGI_FAL_URL": strict.baseURL])
    #expect(refused.status == 77)
    let unknown = try await runner.run(
      ["status", "no-such-request"], environment: ["FAL_KEY": key, "MAGI_FAL_URL": strict.baseURL])
    #expect(unknown.status == 69)
    let throttled = try await runner.run(
      ["generate", "--prompt", "p", "--wait", "--json"], environment: ["FAL_KEY": key, "MAGI_FAL_URL": limited.baseURL])
    #expect(throttled.status == 69)
    let history = try String(contentsOfFile: runner.home + "/data/magi-studio/history.jsonl", encoding: .utf8)
    for output in [refused, unknown, throttled] {
      // The echo reached the client (the test is real), and only the redacted form went on.
      #expect(output.stderr.contains("Authorization: Key <redacted>"), "\(output.stderr)")
      for secret in [key, "echo-key-secret-0123456789", wrongKey, "wrong-key-secret-987654"] {
        #expect(!output.stderr.contains(secret), "\(output.stderr)")
        #expect(!output.stdout.contains(secret), "\(output.stdout)")
        #expect(!history.contains(secret), "\(history)")
      }
    }
    #expect(history.contains("Authorization: Key <redacted>"), "the failures are recorded, redacted")
  }

  /// On a shared machine the embedded emulator's port is open to every user: only the key in this
  /// user's data directory gets in, so nobody else can submit jobs or read this user's.
  @Test func theEmbeddedEmulatorAcceptsOnlyTheUsersOwnKey() async throws {
    let runner = try CommandRunner()
    // Steps of a minute keep the job, and so the embedded emulator, alive for the whole test.
    let job = try RunningCommand(
      runner, ["generate", "--prompt", "private fox", "--wait"], environment: ["MAGI_EMULATOR_STEP_MS": "60000"])
    defer { job.interrupt() }
    let offline = try await job.waitForLine { $0.contains("OFFLINE") }
    let base = String(try #require(offline.split(separator: " ").first { $0.hasPrefix("http://127.0.0.1:") }))
    let submitted = try await job.waitForLine { $0.hasPrefix("submitted ") }
    let requestID = String(submitted.split(separator: " ")[1])
    let keyPath = runner.home + "/data/magi-studio/twin.key"
    var info = stat()
    #expect(stat(keyPath, &info) == 0)
    #expect(info.st_mode & 0o777 == 0o600)
    let ownKey = try String(contentsOfFile: keyPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)

    // Another user: a home of their own, and a guess or no key at all.
    let other = try CommandRunner()
    for guess in ["someone-else:guess-123456", nil] {
      var environment = ["MAGI_FAL_URL": base]
      environment["FAL_KEY"] = guess
      let submit = try await other.run(["generate", "--prompt", "intruder"], environment: environment)
      #expect(submit.status == 77, "\(submit.stderr)")
      let status = try await other.run(["status", requestID], environment: environment)
      #expect(status.status == 77, "\(status.stderr)")
      let result = try await other.run(["result", requestID], environment: environment)
      #expect(result.status == 77, "\(result.stderr)")
      let cancel = try await other.run(["cancel", requestID], environment: environment)
      #expect(cancel.status == 77, "\(cancel.stderr)")
    }
    let owner = try await other.run(["status", requestID], environment: ["MAGI_FAL_URL": base, "FAL_KEY": ownKey])
    #expect(owner.status == 0, "the right key still works: \(owner.stderr)")
    #expect(owner.stdout.contains("IN_PROGRESS"), "\(owner.stdout)")
    job.interrupt()
    _ = await job.exitStatus()
    // The next run reuses the key rather than making a new one.
    _ = try await runner.run(["generate", "--prompt", "again"])
    #expect(
      try String(contentsOfFile: keyPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == ownKey)
  }

  @Test func aRefusedKeyFromTheCredentialsFileIsNamedAsSuch() async throws {
    let runner = try CommandRunner()
    let emulator = try await EmulatorProcess(runner: runner, arguments: ["--key", "right:key-123456"])
    defer { emulator.stop() }
    let directory = runner.home + "/config/magi-studio"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    try "wrong:key-654321\n".write(toFile: directory + "/credentials", atomically: true, encoding: .utf8)
    chmod(directory + "/credentials", 0o600)
    let output = try await runner.run(["generate", "--prompt", "p"], environment: ["MAGI_FAL_URL": emulator.baseURL])
    #expect(output.status == 77)
    #expect(output.stderr.contains("check the key in \(directory)/credentials"), "\(output.stderr)")
    #expect(!output.stderr.contains("FAL_KEY"), "\(output.stderr)")
    #expect(
      output.stderr.split(separator: "\n").count == 1,
      "one line, not `failed: X` and `magi-studio: X`: \(output.stderr)")
  }
}
