import Foundation
import Testing

/// What the CLI does when a submit's reply is lost, when `status` is asked, and when a job is
/// cancelled: against a standalone emulator, as a script would.
@Suite(.serialized) struct SubmitOutcomeTests {
  /// The emulator queues the submit and drops the connection before replying. The upload before it
  /// leaves a connection to reuse, so libcurl's own resend would show as a second submit.
  @Test func aLostSubmitReplyExits75RecordsUnknownAndSendsOnce() throws {
    let runner = try CommandRunner()
    let emulator = try EmulatorProcess(runner: runner, arguments: ["--drop-submit-replies", "1"])
    defer { emulator.stop() }
    let env = ["MAGI_FAL_URL": emulator.baseURL]
    let image = try runner.makeImage()
    let output = try runner.run(["generate", "--image", image, "--prompt", "a fox", "--wait"], environment: env)
    #expect(output.status == 75, "stderr: \(output.stderr)")
    #expect(output.stderr.contains("the submit may have reached fal; its reply was lost"))
    #expect(output.stderr.contains("magi-studio resume --retry-unknown-submit"))
    #expect(try emulator.requestCount("submit") == 1, "the submit went out exactly once")
    let list = try runner.run(["history", "list", "--json", "--status", "unknown"])
    let id = try #require(Self.field("id", in: list.stdout), "history: \(list.stdout)")

    let resume = try runner.run(["resume"], environment: env)
    #expect(resume.stderr.contains("\(id): the submit may have reached fal"), "\(resume.stderr)")
    #expect(try emulator.requestCount("submit") == 1, "resume never resends unasked")

    let retried = try runner.run(["resume", "--retry-unknown-submit", id], environment: env)
    #expect(retried.status == 0, "stderr: \(retried.stderr)")
    #expect(try emulator.requestCount("submit") == 2)
    let shown = try runner.run(["history", "show", id, "--json"])
    #expect(Self.field("status", in: shown.stdout) == "completed", "\(shown.stdout)")
  }

  /// `status` asks the server and records the answer; the history alone said queued.
  @Test func statusAsksTheServerAndUpdatesTheRecord() throws {
    let runner = try CommandRunner()
    let emulator = try EmulatorProcess(runner: runner, arguments: ["--step-ms", "1"])
    defer { emulator.stop() }
    let env = ["MAGI_FAL_URL": emulator.baseURL]
    let submitted = try runner.run(["generate", "--prompt", "quick", "--json"], environment: env)
    let id = try #require(Self.field("id", in: submitted.stdout))
    let requestID = try #require(Self.field("request_id", in: submitted.stdout))
    #expect(Self.field("status", in: try runner.run(["history", "show", id, "--json"]).stdout) == "queued")
    try emulator.waitUntilCompleted(requestID)
    let status = try runner.run(["status", id], environment: env)
    #expect(status.status == 0, "stderr: \(status.stderr)")
    #expect(status.stdout.hasPrefix("completed"), "\(status.stdout)")
    #expect(Self.field("status", in: try runner.run(["history", "show", id, "--json"]).stdout) == "completed")
  }

  /// `cancel` records the cancel and the job's end; `--json` names fal's request id; a second
  /// cancel of the ended job says so and fails.
  @Test func cancelIsRecordedAndAFinishedJobCannotBeCancelled() throws {
    let runner = try CommandRunner()
    let emulator = try EmulatorProcess(runner: runner, arguments: ["--workers", "1", "--step-ms", "500"])
    defer { emulator.stop() }
    let env = ["MAGI_FAL_URL": emulator.baseURL]
    _ = try runner.run(["generate", "--prompt", "busy"], environment: env)
    let waiting = try runner.run(["generate", "--prompt", "waiting", "--json"], environment: env)
    let id = try #require(Self.field("id", in: waiting.stdout))
    let requestID = try #require(Self.field("request_id", in: waiting.stdout))
    let cancel = try runner.run(["cancel", id, "--json"], environment: env)
    #expect(cancel.status == 0, "stderr: \(cancel.stderr)")
    #expect(Self.field("request_id", in: cancel.stdout) == requestID, "\(cancel.stdout)")
    #expect(Self.field("state", in: cancel.stdout) == "cancelled", "\(cancel.stdout)")
    let shown = try runner.run(["history", "show", id, "--json"])
    #expect(Self.field("status", in: shown.stdout) == "cancelled")
    #expect(shown.stdout.contains("cancel_requested"))
    let again = try runner.run(["cancel", id], environment: env)
    #expect(again.status == 1)
    #expect(again.stderr.contains("\(id) had already ended cancelled; nothing was cancelled"), "\(again.stderr)")
  }

  static func field(_ name: String, in json: String) -> String? {
    let line = json.split(separator: "\n").first.map(String.init) ?? ""
    let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
    return object?[name] as? String
  }
}

extension EmulatorProcess {
  /// The emulator's own count of requests on a route (`GET /_emulator/metrics`).
  func requestCount(_ route: String) throws -> Int {
    let metrics = try self.metrics()
    return (metrics["requests"] as? [String: Any])?[route] as? Int ?? -1
  }

  /// Waits (bounded) until the emulator reports the request finished.
  func waitUntilCompleted(_ requestID: String, timeout: TimeInterval = 30) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if (try metrics()["completed_at"] as? [String: Any])?[requestID] != nil { return }
      Thread.sleep(forTimeInterval: 0.05)
    }
    throw CocoaError(.fileReadUnknown)
  }

  private func metrics() throws -> [String: Any] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["curl", "-s", baseURL + "/_emulator/metrics"]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
  }
}
