import Foundation
import Synchronization
import TestSupport
import Testing

/// Every generation gets its own video, and none is sent that its record cannot follow to disk.
@Suite struct RecordStorageCommandTests {
  @Test func fourConcurrentRunsWithOnePromptKeepFourVideosThatMatchTheirRecords() async throws {
    let runner = try CommandRunner()
    let outputs = await withTaskGroup(of: CommandRunner.Output?.self) { group in
      for _ in 0..<4 {
        group.addTask {
          try? await runner.run(["generate", "--prompt", "a red fox runs", "--wait", "--json"], timeout: 240)
        }
      }
      return await group.reduce(into: []) { $0.append($1) }
    }
    var paths: Set<String> = []
    for output in outputs {
      let output = try #require(output)
      #expect(output.status == 0, "stderr: \(output.stderr)")
      let json = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]
      let local = try #require(json?["local_file"] as? [String: Any])
      let path = try #require(local["path"] as? String)
      paths.insert(path)
      #expect(try await sha256(of: path) == local["sha256"] as? String, "\(path) is not the file its record describes")
    }
    #expect(paths.count == 4, "\(paths)")
  }

  /// A run on the offline twin another process runs carries on when that process ends first (here
  /// it is killed mid-job): it starts the twin itself over the same state and port, and its job
  /// ends with its video. Before, it retried the refused port six times and gave up with 69.
  @Test func aRunOnAnotherProcesssTwinFinishesWhenThatProcessEndsFirst() async throws {
    let runner = try CommandRunner()
    // A slow twin (16 steps of a second), so that the first run's job cannot end before it is
    // killed and the second run is still following then, however loaded the machine; the kill
    // comes as soon as the second run has submitted, so a slower twin costs no wall time.
    let owner = try RunningCommand(
      runner, ["generate", "--prompt", "first", "--wait"], environment: ["MAGI_EMULATOR_STEP_MS": "1000"])
    try await owner.waitForStderr(containing: "using the embedded fal emulator")
    let guest = try RunningCommand(runner, ["generate", "--prompt", "second", "--wait"], environment: [:])
    let id = try #require(try await guest.historyID(), "stderr: \(guest.stderr)")
    #expect(guest.stderr.contains("the offline fal twin another studio runs"), "\(guest.stderr)")
    owner.child.kill()
    #expect(await owner.exitStatus() != 0)
    #expect(await guest.exitStatus() == 0, "stderr: \(guest.stderr)")
    let shown = try await runner.run(["history", "show", id, "--json"])
    let record = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any]
    #expect(record?["status"] as? String == "completed", "\(shown.stdout)")
    let local = try #require(record?["local_file"] as? [String: Any], "\(shown.stdout)")
    let path = try #require(local["path"] as? String)
    #expect(try await sha256(of: path) == local["sha256"] as? String)
  }

  @Test func aVideosDirectoryThatIsAFileIsRefusedWith73BeforeAnythingIsSent() async throws {
    let runner = try CommandRunner()
    let file = runner.home + "/videos-file"
    try Data("x".utf8).write(to: URL(fileURLWithPath: file))
    let output = try await runner.run(["generate", "--prompt", "p", "--videos-dir", file, "--wait"])
    #expect(output.status == 73, "stderr: \(output.stderr)")
    #expect(output.stderr.contains("\(file): it is not a directory"))
    #expect(!output.stderr.contains("submitted"))
    let history = (try? String(contentsOfFile: runner.home + "/data/magi-studio/history.jsonl", encoding: .utf8)) ?? ""
    #expect(history.isEmpty, "nothing was recorded: \(history)")
  }

  @Test(.enabled("needs root and tmpfs mounts") { await TinyDisk.available })
  func aReadOnlyOrFullDataDirectoryIsRefusedBeforeAnythingIsSent() async throws {
    let runner = try CommandRunner()
    // Read-only: a remounted tmpfs refuses root too (permission bits would not).
    let readOnly = try await TinyDisk(kilobytes: 4096)
    let first = try await runner.run(["generate", "--prompt", "before", "--data-dir", readOnly.path])
    #expect(first.status == 0, "stderr: \(first.stderr)")
    #expect(await readOnly.remountReadOnly())
    let refused = try await runner.run(["generate", "--prompt", "after", "--data-dir", readOnly.path, "--wait"])
    #expect(refused.status == 73, "stderr: \(refused.stderr)")
    #expect(refused.stderr.contains("Read-only file system"))
    // The offline twin keeps its state beside the history, so it is the first to be refused.
    #expect(refused.stderr.contains(readOnly.path + "/"))
    #expect(!refused.stderr.contains("submitted"))
    // Full: a tmpfs filled to the last block (no root reserve on tmpfs).
    let full = try await TinyDisk(kilobytes: 4096)
    #expect(try await runner.run(["generate", "--prompt", "before", "--data-dir", full.path]).status == 0)
    full.fill()
    let noSpace = try await runner.run(["generate", "--prompt", "after", "--data-dir", full.path, "--wait"])
    #expect(noSpace.status == 74, "stderr: \(noSpace.stderr)")
    #expect(noSpace.stderr.contains("full"))
    #expect(!noSpace.stderr.contains("submitted"))
  }
}

/// The SHA-256 of a file, as `sha256sum` computes it (an independent check on the studio's own).
func sha256(of path: String) async throws -> String {
  String(try await ChildProcess.run(["sha256sum", path]).stdout.prefix(64))
}
