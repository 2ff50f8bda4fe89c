import Foundation
import TestSupport
import Testing

/// The history, launcher and resume from the command line: what a user (or a script) sees.
@Suite struct HistoryCommandTests {
  @Test func everyGenerationIsRecordedAndCanBeListedFilteredShownAndExported() async throws {
    let runner = try CommandRunner()
    let a = try await runner.run(["generate", "--prompt", "golden wheat field", "--wait"])
    let b = try await runner.run(["generate", "--prompt", "storm over the sea", "--num-frames", "500"])
    #expect(a.status == 0, "\(a.stderr)")
    #expect(b.status == 64, "an invalid request is refused and not recorded")
    let list = try await runner.run(["history", "list"])
    #expect(list.status == 0)
    #expect(list.stdout.contains("golden wheat field"))
    #expect(list.stdout.contains("completed"))
    #expect(!list.stdout.contains("storm over the sea"))
    let filtered = try await runner.run(["history", "list", "--search", "WHEAT", "--status", "completed", "--json"])
    let line = try #require(filtered.stdout.split(separator: "\n").first)
    let summary = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    let id = try #require(summary["id"] as? String)
    let show = try await runner.run(["history", "show", String(id.prefix(10))])
    #expect(show.status == 0, "\(show.stderr)")
    #expect(show.stdout.contains("prompt:    golden wheat field"))
    #expect(show.stdout.contains("file:      \(runner.home)/data/magi-studio/videos/"))
    let export = try await runner.run(["history", "export", "--output", runner.home + "/all.json"])
    #expect(export.status == 0)
    let exported =
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: runner.home + "/all.json")))
      as? [[String: Any]]
    #expect(exported?.count == 1)
    #expect(exported?.first?["id"] as? String == id)
  }

  @Test func aSubmittedJobIsInTheHistoryWithItsRequestIDAndRmDeletesIt() async throws {
    let runner = try CommandRunner()
    let emulator = try await EmulatorProcess(runner: runner, arguments: ["--workers", "1", "--step-ms", "100"])
    defer { emulator.stop() }
    let secret = "keyid-4711:do-not-write-me-anywhere"
    let env = ["MAGI_FAL_URL": emulator.baseURL, "FAL_KEY": secret]
    let submitted = try await runner.run(["generate", "--prompt", "a slow one", "--json"], environment: env)
    #expect(!submitted.stdout.contains("do-not-write") && !submitted.stderr.contains("do-not-write"))
    let file = try String(contentsOfFile: runner.home + "/data/magi-studio/history.jsonl", encoding: .utf8)
    #expect(file.contains("a slow one"))
    #expect(!file.contains("do-not-write-me") && !file.contains("keyid-4711"), "the key never reaches the history")
    let record = try #require(try JSONSerialization.jsonObject(with: Data(submitted.stdout.utf8)) as? [String: Any])
    let requestID = try #require(record["request_id"] as? String)
    let shown = try await runner.run(["history", "show", requestID, "--json"])
    #expect(shown.stdout.contains(requestID))
    let removed = try await runner.run(["history", "rm", try #require(record["id"] as? String)])
    #expect(removed.status == 0)
    #expect(try await runner.run(["history", "show", requestID]).status == 64)
  }

  @Test func aGenerateKilledMidJobIsFinishedByResume() async throws {
    let runner = try CommandRunner()
    let emulator = try await EmulatorProcess(runner: runner, arguments: ["--workers", "1", "--step-ms", "150"])
    defer { emulator.stop() }
    let env = ["MAGI_FAL_URL": emulator.baseURL]
    // Start a waiting generate, and kill it hard once the job runs.
    let generate = try RunningCommand(
      runner, ["generate", "--prompt", "the lid was closed", "--wait"], environment: env)
    try await generate.waitForStderr(containing: "Step 2/16")
    generate.child.kill()
    _ = await generate.exitStatus()
    let list = try await runner.run(["history", "list", "--status", "running"])
    #expect(list.stdout.contains("the lid was closed"), "the interrupted job is recorded as running: \(list.stdout)")
    let resumed = try await runner.run(["resume"], environment: env)
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(resumed.stdout.contains("completed"))
    #expect(resumed.stdout.contains("saved: \(runner.home)/data/magi-studio/videos/"))
    let again = try await runner.run(["resume"], environment: env)
    #expect(again.stderr.contains("nothing to resume"))
  }

  /// A history with one record made by `generate` and a copy of its line under `id` (and `prompt`).
  private func historyWithHostileRecord(_ runner: CommandRunner, id: String, prompt: String) async throws -> String {
    #expect(try await runner.run(["generate", "--prompt", "golden wheat field"]).status == 0)
    let path = runner.home + "/data/magi-studio/history.jsonl"
    let line = try #require(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").last)
    var object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    object["id"] = id
    object["prompt"] = prompt
    let hostile = try JSONSerialization.data(withJSONObject: object)
    let handle = try #require(FileHandle(forWritingAtPath: path))
    handle.seekToEndOfFile()
    handle.write(hostile + Data("\n".utf8))
    handle.closeFile()
    return path
  }

  @Test func everyFieldOfEveryRecordIsSanitisedBeforeItReachesTheTerminal() async throws {
    let runner = try CommandRunner()
    let id = "zzz\u{1B}]0;pwned\u{07}\u{1B}[2J\u{9B}31m"
    _ = try await historyWithHostileRecord(runner, id: id, prompt: "fox \u{1B}[5m\u{202E}blink")
    for arguments in [
      ["history"], ["history", "list", "--search", "fox"], ["history", "show", "zzz"], ["history", "rm", "zzz"],
    ] {
      let result = try await runner.run(arguments)
      #expect(result.status == 0, "\(arguments): \(result.stderr)")
      for text in [result.stdout, result.stderr] {
        #expect(
          !text.unicodeScalars.contains {
            $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x9B || $0.value == 0x202E
          },
          "\(arguments) printed a control character: \(text.debugDescription)")
      }
      #expect(result.stdout.contains("zzz␛]0;pwned␇␛[2J"), "\(arguments): \(result.stdout)")
    }
  }

  @Test func jsonOutputKeepsHostileTextExactButEscaped() async throws {
    let runner = try CommandRunner()
    let id = "zzz\u{1B}]0;x\u{07}\u{9B}2J"
    _ = try await historyWithHostileRecord(runner, id: id, prompt: "p\u{202E}q")
    let listed = try await runner.run(["history", "list", "--json", "--search", "p"])
    #expect(!listed.stdout.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x9B || $0.value == 0x202E })
    let summary = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any])
    #expect(summary["id"] as? String == id)
    #expect(summary["prompt"] as? String == "p\u{202E}q")
  }

  @Test func emptyListsSayWhyAndLimitZeroIsNotNoGenerations() async throws {
    let runner = try CommandRunner()
    let none = try await runner.run(["history"])
    #expect(none.stderr.contains("no generations yet"), "\(none.stderr)")
    for prompt in ["golden wheat field", "storm over the sea", "a third one", "and a fourth"] {
      #expect(try await runner.run(["generate", "--prompt", prompt]).status == 0)
    }
    let zero = try await runner.run(["history", "--limit", "0"])
    #expect(zero.status == 0)
    #expect(zero.stderr.contains("none shown (--limit 0): 4 generations"), "\(zero.stderr)")
    #expect(!zero.stderr.contains("no generations of"))
    let search = try await runner.run(["history", "--search", "zebra"])
    #expect(search.stderr.contains("no generations match (4 generations in the history)"), "\(search.stderr)")
    let past = try await runner.run(["history", "--offset", "10"])
    #expect(past.stderr.contains("none past --offset 10: 4 generations"), "\(past.stderr)")
    let negative = try await runner.run(["history", "--limit", "-1"])
    #expect(negative.status == 64)
  }

  @Test func sinceAndUntilTakeRealDaysOfFourDigitYearsOnly() async throws {
    let runner = try CommandRunner()
    #expect(try await runner.run(["generate", "--prompt", "golden wheat field"]).status == 0)
    for day in ["10000-01-01", "99999-12-31", "2026-02-31", "2026-13-01", "26-01-01", "2026-1-1"] {
      let result = try await runner.run(["history", "--since", day])
      #expect(result.status == 64, "--since \(day): \(result.stdout)")
      #expect(result.stderr.contains("'\(day)' is not a day"), "\(result.stderr)")
      #expect(!result.stdout.contains("golden wheat field"))
    }
    #expect(try await runner.run(["history", "--since", "2000-02-29"]).stdout.contains("golden wheat field"))
    #expect(!(try await runner.run(["history", "--since", "9999-12-31"]).stdout.contains("golden wheat field")))
  }

  @Test func aHistoryThatIsNotARegularFileIsRefusedWithoutBlocking() async throws {
    for kind in ["fifo", "null"] {
      let runner = try CommandRunner()
      let directory = runner.home + "/data/magi-studio"
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      if kind == "fifo" {
        #expect(mkfifo(directory + "/history.jsonl", 0o600) == 0)
      } else {
        try FileManager.default.createSymbolicLink(
          atPath: directory + "/history.jsonl", withDestinationPath: "/dev/null")
      }
      for arguments in [["history"], ["generate", "--prompt", "golden wheat field"]] {
        let result = try await runner.run(arguments, timeout: 20)
        #expect(result.status != 0, "\(kind) \(arguments): \(result.stderr)")
        #expect(
          result.stderr.contains("not a regular file but a \(kind == "fifo" ? "FIFO" : "character device")"),
          "\(result.stderr)")
      }
    }
  }

  @Test func showFallsBackToTheLastValidSnapshotAndExportWritesValidJSON() async throws {
    let runner = try CommandRunner()
    #expect(try await runner.run(["generate", "--prompt", "golden wheat field", "--wait"]).status == 0)
    let path = runner.home + "/data/magi-studio/history.jsonl"
    var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    let lastLine = try #require(bytes.dropLast().lastIndex(of: 0x0A)) + 1
    // A byte of the last line's request id made invalid UTF-8: the head still reads.
    let request = try #require(bytes.range(of: Data(#""request_id":""#.utf8), in: lastLine..<bytes.count))
    bytes[request.upperBound] = 0xFF
    try bytes.write(to: URL(fileURLWithPath: path))
    let listed = try await runner.run(["history", "--json"])
    let summary = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any])
    let id = try #require(summary["id"] as? String)
    let show = try await runner.run(["history", "show", id])
    #expect(show.status == 0, "\(show.stderr)")
    #expect(show.stdout.contains("prompt:    golden wheat field"))
    #expect(show.stderr.contains("not a valid history record"), "the damaged line is reported: \(show.stderr)")
    let export = try await runner.run(["history", "export"])
    #expect(export.status == 0)
    #expect(String(data: Data(export.stdout.utf8), encoding: .utf8) != nil)
    let array = try #require(try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as? [[String: Any]])
    #expect(array.count == 1)
    #expect(!export.stdout.contains("\u{FFFD}"))
  }

  @Test func anOfflineJobLeftBehindIsFinishedByResumeInANewProcess() async throws {
    var runner = try CommandRunner()
    // 16 steps of 200 ms: the job is still running when generate (without --wait) exits.
    runner.environment["MAGI_EMULATOR_STEP_MS"] = "200"
    let submitted = try await runner.run(["generate", "--prompt", "offline and back", "--json"])
    #expect(submitted.status == 0, "\(submitted.stderr)")
    let record = try #require(try JSONSerialization.jsonObject(with: Data(submitted.stdout.utf8)) as? [String: Any])
    let id = try #require(record["id"] as? String)
    let requestID = try #require(record["request_id"] as? String)
    #expect(
      try await runner.run(["history", "list", "--status", "running", "--status", "queued"]).stdout.contains(
        "offline and back"))
    let resumed = try await runner.run(["resume"])
    #expect(resumed.status == 0, "\(resumed.stdout) \(resumed.stderr)")
    #expect(resumed.stdout.contains("completed"), "\(resumed.stdout) \(resumed.stderr)")
    let shown = try await runner.run(["history", "show", id, "--json"])
    let final = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
    #expect(final["status"] as? String == "completed")
    let local = try #require(final["local_file"] as? [String: Any])
    let path = try #require(local["path"] as? String)
    #expect(path.hasPrefix(runner.home + "/data/magi-studio/videos/"))
    // The twin's own copy of the render, kept in the data directory across both processes.
    let files = runner.home + "/data/magi-studio/emulator/files"
    let rendered = try FileManager.default.contentsOfDirectory(atPath: files).compactMap { key -> String? in
      let candidate = "\(files)/\(key)/\(requestID).mp4"
      return FileManager.default.fileExists(atPath: candidate) ? candidate : nil
    }
    let original = try #require(rendered.first, "the twin kept the rendered video")
    let digest = try await sha256(of: path)
    #expect(digest == (try await sha256(of: original)), "the download is the twin's render, byte for byte")
    #expect(local["sha256"] as? String == digest)
  }

  @Test func aSecondOfflineProcessUsesTheTwinTheFirstOneRuns() async throws {
    let runner = try CommandRunner()
    let state = runner.home + "/data/magi-studio/emulator"
    let owner = try await EmulatorProcess(runner: runner, arguments: ["--state-dir", state, "--step-ms", "5"])
    defer { owner.stop() }
    let generated = try await runner.run(["generate", "--prompt", "one twin for all", "--wait", "--json"])
    #expect(generated.status == 0, "\(generated.stderr)")
    #expect(
      generated.stderr.contains("the offline fal twin another studio runs at \(owner.baseURL)"), "\(generated.stderr)")
    let record = try #require(try JSONSerialization.jsonObject(with: Data(generated.stdout.utf8)) as? [String: Any])
    let requestID = try #require(record["request_id"] as? String)
    #expect(
      FileManager.default.fileExists(atPath: "\(state)/jobs/\(requestID).json"), "the job is in the shared twin's queue"
    )
  }

  @Test func openUsesXdgOpenWithADisplayAndExplainsItselfOverSSH() async throws {
    let runner = try CommandRunner()
    let generated = try await runner.run(["generate", "--prompt", "to be opened", "--wait", "--json"])
    let record = try #require(try JSONSerialization.jsonObject(with: Data(generated.stdout.utf8)) as? [String: Any])
    let id = try #require(record["id"] as? String)
    let path = try #require((record["local_file"] as? [String: Any])?["path"] as? String)
    let bin = runner.home + "/bin"
    try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
    let argv = runner.home + "/argv.txt"
    try writeScript("#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > \(argv)\n", to: bin + "/xdg-open")
    let pathEnv = bin + ":" + (runner.environment["PATH"] ?? "/usr/bin:/bin")
    let opened = try await runner.run(["open", id], environment: ["PATH": pathEnv, "DISPLAY": ":0"])
    #expect(opened.status == 0, "\(opened.stderr)")
    #expect(try String(contentsOfFile: argv, encoding: .utf8) == path + "\n")
    try FileManager.default.removeItem(atPath: argv)
    let remote = try await runner.run(
      ["open", id], environment: ["PATH": pathEnv, "SSH_CONNECTION": "10.0.0.1 5 10.0.0.2 22", "DISPLAY": ""])
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

extension HistoryCommandTests {
  @Test func rmDeletesTheRecordsWholeLogFileToo() async throws {
    let runner = try CommandRunner()
    let generated = try await runner.run(["generate", "--prompt", "a log to forget", "--wait", "--json"])
    #expect(generated.status == 0, "\(generated.stderr)")
    let record = try #require(try JSONSerialization.jsonObject(with: Data(generated.stdout.utf8)) as? [String: Any])
    let id = try #require(record["id"] as? String)
    let log = runner.home + "/data/magi-studio/logs/\(id).jsonl"
    #expect(FileManager.default.fileExists(atPath: log), "the follow keeps the whole log on disk")
    #expect(try await runner.run(["history", "rm", id]).status == 0)
    #expect(!FileManager.default.fileExists(atPath: log), "a deleted record leaves its log behind")
  }
}
