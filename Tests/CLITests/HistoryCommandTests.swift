import Foundation
import Testing

/// The history, launcher and resume from the command line: what a user (or a script) sees.
@Suite(.serialized) struct HistoryCommandTests {
  @Test func everyGenerationIsRecordedAndCanBeListedFilteredShownAndExported() throws {
    let runner = try CommandRunner()
    let a = try runner.run(["generate", "--prompt", "golden wheat field", "--wait"])
    let b = try runner.run(["generate", "--prompt", "storm over the sea", "--num-frames", "500"])
    #expect(a.status == 0, "\(a.stderr)")
    #expect(b.status == 64, "an invalid request is refused and not recorded")
    let list = try runner.run(["history", "list"])
    #expect(list.status == 0)
    #expect(list.stdout.contains("golden wheat field"))
    #expect(list.stdout.contains("completed"))
    #expect(!list.stdout.contains("storm over the sea"))
    let filtered = try runner.run(["history", "list", "--search", "WHEAT", "--status", "completed", "--json"])
    let line = try #require(filtered.stdout.split(separator: "\n").first)
    let summary = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    let id = try #require(summary["id"] as? String)
    let show = try runner.run(["history", "show", String(id.prefix(10))])
    #expect(show.status == 0, "\(show.stderr)")
    #expect(show.stdout.contains("prompt:    golden wheat field"))
    #expect(show.stdout.contains("file:      \(runner.home)/data/magi-studio/videos/"))
    let export = try runner.run(["history", "export", "--output", runner.home + "/all.json"])
    #expect(export.status == 0)
    let exported = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: runner.home + "/all.json"))) as? [[String: Any]]
    #expect(exported?.count == 1)
    #expect(exported?.first?["id"] as? String == id)
  }

  @Test func aSubmittedJobIsInTheHistoryWithItsRequestIDAndRmDeletesIt() throws {
    let runner = try CommandRunner()
    let emulator = try EmulatorProcess(runner: runner, arguments: ["--workers", "1", "--step-ms", "100"])
    defer { emulator.stop() }
    let secret = "keyid-4711:do-not-write-me-anywhere"
    let env = ["MAGI_FAL_URL": emulator.baseURL, "FAL_KEY": secret]
    let submitted = try runner.run(["generate", "--prompt", "a slow one", "--json"], environment: env)
    #expect(!submitted.stdout.contains("do-not-write") && !submitted.stderr.contains("do-not-write"))
    let file = try String(contentsOfFile: runner.home + "/data/magi-studio/history.jsonl", encoding: .utf8)
    #expect(file.contains("a slow one"))
    #expect(!file.contains("do-not-write-me") && !file.contains("keyid-4711"), "the key never reaches the history")
    let record = try #require(try JSONSerialization.jsonObject(with: Data(submitted.stdout.utf8)) as? [String: Any])
    let requestID = try #require(record["request_id"] as? String)
    let shown = try runner.run(["history", "show", requestID, "--json"])
    #expect(shown.stdout.contains(requestID))
    let removed = try runner.run(["history", "rm", try #require(record["id"] as? String)])
    #expect(removed.status == 0)
    #expect(try runner.run(["history", "show", requestID]).status == 64)
  }

  @Test func aGenerateKilledMidJobIsFinishedByResume() throws {
    let runner = try CommandRunner()
    let emulator = try EmulatorProcess(runner: runner, arguments: ["--workers", "1", "--step-ms", "150"])
    defer { emulator.stop() }
    let env = ["MAGI_FAL_URL": emulator.baseURL]
    // Start a waiting generate, and kill it hard once the job runs.
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandRunner.binary)
    process.arguments = ["generate", "--prompt", "the lid was closed", "--wait"]
    process.environment = runner.environment.merging(env) { $1 }
    let err = Pipe()
    process.standardError = err
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    var seen = ""
    while !seen.contains("Step 2/16") {
      let chunk = err.fileHandleForReading.availableData
      if chunk.isEmpty { break }
      seen += String(decoding: chunk, as: UTF8.self)
    }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    let list = try runner.run(["history", "list", "--status", "running"])
    #expect(list.stdout.contains("the lid was closed"), "the interrupted job is recorded as running: \(list.stdout)")
    let resumed = try runner.run(["resume"], environment: env)
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(resumed.stdout.contains("completed"))
    #expect(resumed.stdout.contains("saved: \(runner.home)/data/magi-studio/videos/"))
    let again = try runner.run(["resume"], environment: env)
    #expect(again.stderr.contains("nothing to resume"))
  }

  @Test func offlineJobsLeftBehindEndLostWithAReason() throws {
    let runner = try CommandRunner()
    let submitted = try runner.run(["generate", "--prompt", "offline and gone"])
    #expect(submitted.status == 0)
    let resumed = try runner.run(["resume"])
    #expect(resumed.stdout.contains("lost: it ran on an offline emulator that has since stopped"), "\(resumed.stdout) \(resumed.stderr)")
  }

  @Test func openUsesXdgOpenWithADisplayAndExplainsItselfOverSSH() throws {
    let runner = try CommandRunner()
    let generated = try runner.run(["generate", "--prompt", "to be opened", "--wait", "--json"])
    let record = try #require(try JSONSerialization.jsonObject(with: Data(generated.stdout.utf8)) as? [String: Any])
    let id = try #require(record["id"] as? String)
    let path = try #require((record["local_file"] as? [String: Any])?["path"] as? String)
    let bin = runner.home + "/bin"
    try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
    let argv = runner.home + "/argv.txt"
    try "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > \(argv)\n".write(toFile: bin + "/xdg-open", atomically: true, encoding: .utf8)
    chmod(bin + "/xdg-open", 0o755)
    let pathEnv = bin + ":" + (runner.environment["PATH"] ?? "/usr/bin:/bin")
    let opened = try runner.run(["open", id], environment: ["PATH": pathEnv, "DISPLAY": ":0"])
    #expect(opened.status == 0, "\(opened.stderr)")
    #expect(try String(contentsOfFile: argv, encoding: .utf8) == path + "\n")
    try FileManager.default.removeItem(atPath: argv)
    let remote = try runner.run(["open", id], environment: ["PATH": pathEnv, "SSH_CONNECTION": "10.0.0.1 5 10.0.0.2 22", "DISPLAY": ""])
    #expect(remote.status == 0)
    #expect(!FileManager.default.fileExists(atPath: argv), "no xdg-open over ssh without a display")
    #expect(remote.stderr.contains("over ssh with no display: file: \(path)"))
    // Its output is a pipe: no clipboard escape was sent, so none is claimed; the URL is given.
    #expect(!remote.stderr.contains("OSC 52"), "\(remote.stderr)")
    #expect(!remote.stderr.contains("copied"), "\(remote.stderr)")
    #expect(remote.stderr.contains("URL: http://127.0.0.1:"), "\(remote.stderr)")
    #expect(!remote.stdout.contains("\u{1B}]52"))
  }
}
