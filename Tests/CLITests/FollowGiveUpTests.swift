import Foundation
import TestSupport
import Testing

/// A command waiting on a job whose server went away gives up with the way back.
@Suite struct FollowGiveUpTests {
  @Test func aFollowThatGivesUpNamesTheResumeCommand() async throws {
    let runner = try CommandRunner()
    let emulator = try await EmulatorProcess(runner: runner, arguments: ["--workers", "1", "--step-ms", "500"])
    let env = ["MAGI_FAL_URL": emulator.baseURL]
    let submitted = try await runner.run(["generate", "--prompt", "outage"], environment: env)
    #expect(submitted.status == 0, "stderr: \(submitted.stderr)")
    let id = submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    // The server goes away with the job on it.
    await emulator.stopAndWait()
    let followed = try await runner.run(["status", id, "--wait"], environment: env)
    #expect(followed.status == 69, "stderr: \(followed.stderr)")
    #expect(followed.stderr.contains("connection lost"), "each failed try is reported: \(followed.stderr)")
    #expect(followed.stderr.contains("gave up following"), "\(followed.stderr)")
    #expect(followed.stderr.contains("magi-studio resume"), "\(followed.stderr)")
    #expect(followed.stderr.contains(/magi-studio status \S+ --wait/), "\(followed.stderr)")
    // The record is still there, unfinished, to be resumed.
    let shown = try await runner.run(["history", "show", id], environment: env)
    #expect(!shown.stdout.contains("lost"), "\(shown.stdout)")
  }
}
