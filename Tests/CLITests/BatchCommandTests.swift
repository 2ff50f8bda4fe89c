import Foundation
import TestSupport
import Testing

/// Variations and batches from the CLI: several jobs under one batch id, one result line each, the
/// exit code and the summary saying how many failed and why; 429s at submit waited out without a
/// job sent twice.
@Suite struct BatchCommandTests {
  static func objects(_ text: String) -> [[String: Any]] {
    text.split(separator: "\n").compactMap {
      try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
  }

  @Test func promptAlternativesAndASeedListRunAsOneBatchWithOneLinePerJob() async throws {
    let runner = try CommandRunner()
    let output = try await runner.run([
      "generate", "--prompt", "a {dawn|dusk} sky", "--seed-list", "7,8", "--num-frames", "96", "--json",
      "--max-parallel", "2",
    ])
    #expect(output.status == 0, "stderr: \(output.stderr)")
    let lines = Self.objects(output.stdout)
    #expect(lines.count == 4, "\(output.stdout)")
    #expect(Set(lines.compactMap { $0["status"] as? String }) == ["completed"])
    let batches = Set(lines.compactMap { $0["batch"] as? String })
    #expect(batches.count == 1)
    let batch = try #require(batches.first)
    #expect(Set(lines.compactMap { $0["id"] as? String }).count == 4)
    let sent = lines.compactMap { line -> String? in
      guard let input = line["input"] as? [String: Any], let prompt = input["prompt"] as? String,
        let seed = input["seed"] as? Int
      else { return nil }
      return "\(prompt)/\(seed)"
    }
    #expect(Set(sent) == ["a dawn sky/7", "a dawn sky/8", "a dusk sky/7", "a dusk sky/8"])
    #expect(output.stderr.contains("batch \(batch): 4 jobs, 4 completed, none failed"), "\(output.stderr)")

    let listed = try await runner.run(["history", "--batch", batch, "--json"])
    #expect(listed.status == 0, "stderr: \(listed.stderr)")
    let members = Self.objects(listed.stdout)
    #expect(Set(members.compactMap { $0["id"] as? String }) == Set(lines.compactMap { $0["id"] as? String }))
    #expect(Set(members.compactMap { $0["batch"] as? String }) == [batch])

    // A single job has no batch, and is not listed under one.
    let single = try await runner.run(["generate", "--prompt", "alone", "--json", "--wait"])
    #expect(single.status == 0, "stderr: \(single.stderr)")
    let record = try #require(Self.objects(single.stdout).first)
    #expect(record["batch"] == nil)
    let again = try await runner.run(["history", "--batch", batch])
    #expect(again.stdout.split(separator: "\n").count == 4, "\(again.stdout)")
    #expect(!again.stdout.contains("alone"))
  }

  /// Ctrl-C during a batch says what becomes of its jobs (it died in silence, 244 of 250 jobs not
  /// sent without a word): those sent carry on, the others were not sent. Exit 130.
  @Test func ctrlCDuringABatchSaysHowManyJobsWereNotSent() async throws {
    let runner = try CommandRunner()
    let emulator = try await EmulatorProcess(runner: runner, arguments: ["--workers", "1", "--step-ms", "500"])
    defer { emulator.stop() }
    let batch = try RunningCommand(
      runner, ["generate", "--prompt", "p", "--seeds", "6", "--max-parallel", "2"],
      environment: ["MAGI_FAL_URL": emulator.baseURL])
    try await batch.waitForStderr(containing: "running")
    batch.interrupt()
    #expect(await batch.exitStatus() == 130, "stderr: \(batch.stderr)")
    #expect(batch.stderr.contains("interrupted: batch "), "\(batch.stderr)")
    #expect(batch.stderr.contains(": 2 of 6 jobs sent;"), "\(batch.stderr)")
    #expect(batch.stderr.contains("the other 4 were not sent and are not recorded"), "\(batch.stderr)")
    #expect(try await emulator.jobCount() == 2)
  }

  /// `--cancel-on-interrupt` with variations was taken and ignored: Ctrl-C left every job running.
  /// It is refused before anything is sent.
  @Test func cancelOnInterruptIsRefusedForABatch() async throws {
    let runner = try CommandRunner()
    let output = try await runner.run(["generate", "--prompt", "a {dawn|dusk} sky", "--cancel-on-interrupt"])
    #expect(output.status == 64, "stderr: \(output.stderr)")
    #expect(output.stderr.contains("--cancel-on-interrupt cancels one job"), "\(output.stderr)")
    let history = try await runner.run(["history"])
    #expect(!history.stdout.contains("sky"), "\(history.stdout)")
  }

  /// Three 429s at submit are waited out (each submit sent again, none taken twice), and one job
  /// that fal ends for its content fails the batch: exit 65, and the summary says which and why.
  @Test func rateLimitedSubmitsAreRetriedOnceEachAndAFailedJobFailsTheBatch() async throws {
    let runner = try CommandRunner()
    let emulator = try await EmulatorProcess(runner: runner, arguments: ["--step-ms", "1"])
    defer { emulator.stop() }
    try await emulator.addFaults(
      #"[{"kind":"submit","action":"status","status":429,"retry_after":1,"count":3},"#
        + #"{"kind":"submit","action":"end","error_type":"content_policy_violation","count":1}]"#)
    let output = try await runner.run(
      ["generate", "--prompt", "p", "--seeds", "3", "--json", "--max-parallel", "2"],
      environment: ["MAGI_FAL_URL": emulator.baseURL])
    #expect(output.status == 65, "stderr: \(output.stderr)")
    let lines = Self.objects(output.stdout)
    #expect(lines.count == 3, "\(output.stdout)")
    #expect(lines.filter { $0["status"] as? String == "completed" }.count == 2)
    let failed = try #require(lines.first { $0["error"] != nil })
    #expect(failed["exit_code"] as? Int == 65)
    #expect(Set(lines.compactMap { $0["request_id"] as? String }).count == 3)
    #expect(output.stderr.contains("3 jobs, 2 completed, 1 failed ("), "\(output.stderr)")
    // Each submit turned away is said, and when the server takes requests again.
    #expect(output.stderr.contains("server busy: sending again in 1s (turned away 1×): "), "\(output.stderr)")
    #expect(output.stderr.contains("the server takes requests again"), "\(output.stderr)")
    #expect(output.stderr.contains("content"), "\(output.stderr)")
    // Three refused submits and three taken ones: no job was sent twice.
    #expect(try await emulator.requestCount("submit") == 6)
    #expect(try await emulator.jobCount() == 3)
  }

  /// A storm longer than a single submit's patience (five attempts): twelve 429s on two jobs in
  /// flight. The batch waits it out; every job completes, none is taken twice.
  @Test func aLong429StormSlowsTheBatchWithoutFailingOrDuplicatingAJob() async throws {
    let runner = try CommandRunner()
    let emulator = try await EmulatorProcess(runner: runner, arguments: ["--step-ms", "1"])
    defer { emulator.stop() }
    try await emulator.addFaults(#"[{"kind":"submit","action":"status","status":429,"retry_after":0,"count":12}]"#)
    let output = try await runner.run(
      ["generate", "--prompt", "p", "--seeds", "2", "--json", "--max-parallel", "2"],
      environment: ["MAGI_FAL_URL": emulator.baseURL])
    #expect(output.status == 0, "stderr: \(output.stderr)")
    #expect(Self.objects(output.stdout).filter { $0["status"] as? String == "completed" }.count == 2)
    #expect(try await emulator.requestCount("submit") == 14)
    #expect(try await emulator.jobCount() == 2)
  }

  /// With `--max-parallel 1` each job is submitted only after the one before it has ended.
  @Test func maxParallelOneRunsTheJobsOneAfterAnother() async throws {
    let runner = try CommandRunner()
    let output = try await runner.run(["generate", "--prompt", "p", "--seeds", "3", "--json", "--max-parallel", "1"])
    #expect(output.status == 0, "stderr: \(output.stderr)")
    let lines = Self.objects(output.stdout).sorted {
      ($0["created"] as? String ?? "") < ($1["created"] as? String ?? "")
    }
    #expect(lines.count == 3)
    for (earlier, later) in zip(lines, lines.dropFirst()) {
      let ended = (earlier["transitions"] as? [[String: Any]])?.last?["at"] as? String ?? "~"
      let created = later["created"] as? String ?? ""
      #expect(created >= ended, "\(created) began before \(ended)")
    }
  }

  @Test func badVariationsAreRefusedInOneLineBeforeAnythingIsSent() async throws {
    let runner = try CommandRunner()
    for (arguments, message) in [
      (["--seed-list", "1,x"], "--seed-list: 'x' is not a seed"),
      (["--vary", "steps=8,12"], "--vary num_inference_steps=12:"),
      (["--vary", "colour=red"], "--vary colour: not a parameter that can vary"),
      (["--seeds", "2", "--seed", "3"], "--seed makes one job"),
      (["--seeds", "2", "--max-parallel", "0"], "--max-parallel must be 1 or more"),
      (["--seeds", "1001"], "--seeds must be from 1 to 1000"),
      (["--vary", "num-frames=96,120", "--seeds", "600"], "these variations make 1200 jobs"),
    ] {
      let output = try await runner.run(["generate", "--prompt", "p"] + arguments)
      #expect(output.status == 64, "\(arguments): \(output.stderr)")
      #expect(output.stderr.contains(message), "\(arguments): \(output.stderr)")
      #expect(!output.stderr.contains("submitted"), "\(arguments)")
    }
    let unbalanced = try await runner.run(["generate", "--prompt", "a {b|c sky", "--seeds", "2"])
    #expect(unbalanced.status == 64)
    #expect(unbalanced.stderr.contains("prompt: unbalanced brace at character 3"), "\(unbalanced.stderr)")
    #expect(try await runner.run(["history", "--json"]).stdout.isEmpty, "nothing was recorded")
  }

  @Test func aDryRunPrintsEveryVariationAndTheTotal() async throws {
    let runner = try CommandRunner()
    let output = try await runner.run([
      "generate", "--prompt", "{a|b}", "--vary", "resolution=480p,720p", "--seed-list", "1", "--dry-run",
    ])
    #expect(output.status == 0, "stderr: \(output.stderr)")
    #expect(Self.objects(output.stdout).count == 4)
    // 2 × (2 units at 480p + 4 at 720p) × $0.08.
    #expect(output.stderr.contains("4 jobs, about $0.96 in all"), "\(output.stderr)")
  }
}

/// `magi-studio batch FILE`: JSON Lines or CSV, checked whole before anything is sent.
@Suite struct BatchFileCommandTests {
  func write(_ text: String, to name: String, in runner: CommandRunner) throws -> String {
    let path = runner.home + "/" + name
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @Test func aJSONLinesFileOfTwoModesRunsAsOneBatch() async throws {
    let runner = try CommandRunner()
    _ = try await runner.makeImage(named: "first.png")
    let file = try write(
      #"{"prompt": "a fox", "steps": 4}"# + "\n\n" + #"{"prompt": "the picture moves", "image": "first.png"}"# + "\n",
      to: "jobs.jsonl", in: runner)
    let output = try await runner.run(["batch", file, "--json"])
    #expect(output.status == 0, "stderr: \(output.stderr)")
    let lines = BatchCommandTests.objects(output.stdout)
    #expect(lines.count == 2, "\(output.stdout)")
    #expect(Set(lines.compactMap { $0["job"] as? String }) == ["line 1", "line 3"])
    #expect(Set(lines.compactMap { $0["mode"] as? String }) == ["text-to-video", "image-to-video"])
    #expect(Set(lines.compactMap { $0["status"] as? String }) == ["completed"])
    let batch = try #require(Set(lines.compactMap { $0["batch"] as? String }).first)
    #expect(output.stderr.contains("batch \(batch): 2 jobs, 2 completed, none failed"), "\(output.stderr)")
    let listed = try await runner.run(["history", "--batch", batch, "--json"])
    #expect(BatchCommandTests.objects(listed.stdout).count == 2, "\(listed.stdout)")
  }

  @Test func aCSVBatchWithAJobFalRefusesExits65AndSaysWhich() async throws {
    let runner = try CommandRunner()
    let emulator = try await EmulatorProcess(runner: runner, arguments: ["--step-ms", "1", "--workers", "1"])
    defer { emulator.stop() }
    try await emulator.addFaults(
      #"{"kind":"submit","action":"end","error_type":"content_policy_violation","count":1}"#)
    let file = try write("prompt,steps\nrefused,4\n", to: "jobs.csv", in: runner)
    let output = try await runner.run(
      ["batch", file, "--max-parallel", "1"], environment: ["MAGI_FAL_URL": emulator.baseURL])
    #expect(output.status == 65, "stderr: \(output.stderr)")
    #expect(output.stdout.hasPrefix("line 2  "), "\(output.stdout)")
    #expect(output.stdout.contains("  failed  "), "\(output.stdout)")
    #expect(output.stderr.contains("1 job, 0 completed, 1 failed (line 2: failed: "), "\(output.stderr)")
  }

  @Test func aBadLineIsRefusedWithItsLineAndColumnAndNothingIsSent() async throws {
    let runner = try CommandRunner()
    let cases: [(String, String, String)] = [
      (
        "bad.jsonl", #"{"prompt": "fine"}"# + "\n" + #"{"prompt": "x", "steps": 5}"#,
        "bad.jsonl: line 2, column 17: num_inference_steps: Input should be 4, 8, 16 or 32"
      ),
      ("bad.csv", "prompt,seed\nok,1\nx,abc\n", "bad.csv: line 3, column 2: seed: 'abc' is not a whole number"),
      (
        "missing.jsonl", #"{"prompt": "x", "image": "nowhere.png"}"#,
        "missing.jsonl: line 1, column 17: cannot read "
      ),
    ]
    for (name, text, message) in cases {
      let file = try write(text, to: name, in: runner)
      let output = try await runner.run(["batch", file])
      #expect(output.status == 64, "\(name): \(output.stderr)")
      #expect(output.stderr.contains(message), "\(name): \(output.stderr)")
      #expect(output.stderr.split(separator: "\n").count == 1, "\(name): \(output.stderr)")
    }
    let absent = try await runner.run(["batch", runner.home + "/absent.jsonl"])
    #expect(absent.status == 64)
    #expect(absent.stderr.contains("cannot read"), "\(absent.stderr)")
    #expect(try await runner.run(["history", "--json"]).stdout.isEmpty, "nothing was recorded")
  }
}

extension EmulatorProcess {
  /// Jobs the emulator's queue took (`GET /_emulator/metrics`).
  func jobCount() async throws -> Int {
    let fetched = try await ChildProcess.run(["curl", "-s", baseURL + "/_emulator/metrics"])
    let metrics = try JSONSerialization.jsonObject(with: Data(fetched.stdout.utf8)) as? [String: Any]
    return metrics?["jobs"] as? Int ?? -1
  }

  /// Adds fault rules through the control route (`POST /_emulator/faults`).
  func addFaults(_ json: String) async throws {
    let posted = try await ChildProcess.run([
      "curl", "-s", "-f", "-X", "POST", "-H", "Content-Type: application/json", "-d", json,
      baseURL + "/_emulator/faults",
    ])
    guard posted.status == 0 else { throw CocoaError(.fileWriteUnknown) }
  }
}

/// config.toml's `[budget]`: a generate or batch that would pass a limit is refused with the
/// figures and exit 64 before anything is recorded; `--yes` submits anyway.
@Suite struct BudgetCommandTests {
  func configure(_ runner: CommandRunner, _ toml: String) throws {
    let directory = runner.home + "/config/magi-studio"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    try toml.write(toFile: directory + "/config.toml", atomically: true, encoding: .utf8)
  }

  /// Against a standalone emulator (`MAGI_FAL_URL`), which stands for a paid server.
  @Test func aBatchOverBudgetPerBatchIsRefusedWithTheFigures() async throws {
    let runner = try CommandRunner()
    let emulator = try await EmulatorProcess(runner: runner, arguments: ["--step-ms", "1"])
    defer { emulator.stop() }
    let paid = ["MAGI_FAL_URL": emulator.baseURL]
    try configure(runner, "[budget]\nper_batch = 0.5\n")
    let refused = try await runner.run(["generate", "--prompt", "{a|b}", "--seeds", "1"], environment: paid)
    #expect(refused.status == 64, "stderr: \(refused.stderr)")
    #expect(
      refused.stderr.contains(
        "budget: these 2 jobs: about $0.64 is over budget.per_batch ($0.50); nothing was sent (--yes to submit anyway)"),
      "\(refused.stderr)")
    let file = runner.home + "/jobs.csv"
    try "prompt\na\nb\n".write(toFile: file, atomically: true, encoding: .utf8)
    let batch = try await runner.run(["batch", file], environment: paid)
    #expect(batch.status == 64, "stderr: \(batch.stderr)")
    #expect(batch.stderr.contains("over budget.per_batch"), "\(batch.stderr)")
    #expect(try await runner.run(["history", "--json"]).stdout.isEmpty, "nothing was recorded")
    // One job fits.
    let one = try await runner.run(["generate", "--prompt", "one"], environment: paid)
    #expect(one.status == 0, "stderr: \(one.stderr)")
    // A limit in units, whatever the prices: two 4-unit jobs fit 10 units, three do not.
    try configure(runner, "[budget]\nper_batch_units = 10\n[prices]\ndistilled = 0.001\n")
    let twoJobs = try await runner.run(["generate", "--prompt", "{a|b}", "--seeds", "1"], environment: paid)
    #expect(twoJobs.status == 0, "stderr: \(twoJobs.stderr)")
    let threeJobs = try await runner.run(["generate", "--prompt", "{a|b|c}", "--seeds", "1"], environment: paid)
    #expect(threeJobs.status == 64, "stderr: \(threeJobs.stderr)")
    #expect(
      threeJobs.stderr.contains("about 12.0 units is over budget.per_batch_units (10.0 units)"), "\(threeJobs.stderr)")
    // On the embedded offline twin nothing is billed: no budget to pass.
    let offline = try await runner.run(["generate", "--prompt", "{a|b}", "--seeds", "1"])
    #expect(offline.status == 0, "stderr: \(offline.stderr)")
  }

  @Test func todaysSpendCountsAgainstTheDailyBudgetAndYesOverridesIt() async throws {
    let runner = try CommandRunner()
    let emulator = try await EmulatorProcess(runner: runner, arguments: ["--step-ms", "1"])
    defer { emulator.stop() }
    let paid = ["MAGI_FAL_URL": emulator.baseURL]
    try configure(runner, "[budget]\nper_day = 0.5\n")
    // An offline job first: it counts for nothing.
    let practice = try await runner.run(["generate", "--prompt", "practice"])
    #expect(practice.status == 0, "stderr: \(practice.stderr)")
    let first = try await runner.run(["generate", "--prompt", "first"], environment: paid)
    #expect(first.status == 0, "stderr: \(first.stderr)")
    let second = try await runner.run(["generate", "--prompt", "second"], environment: paid)
    #expect(second.status == 64, "stderr: \(second.stderr)")
    #expect(
      second.stderr.contains(
        "budget: this job: today's spend $0.32 + about $0.32 = $0.64 is over budget.per_day ($0.50)"),
      "\(second.stderr)")
    let forced = try await runner.run(["generate", "--prompt", "second", "--yes"], environment: paid)
    #expect(forced.status == 0, "stderr: \(forced.stderr)")
    let listed = try await runner.run(["history", "--json"])
    #expect(listed.stdout.split(separator: "\n").count == 3, "\(listed.stdout)")
  }
}
