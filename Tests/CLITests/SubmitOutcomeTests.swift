import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// What the CLI does when a submit's reply is lost, when `status` is asked, and when a job is
/// cancelled: against a standalone emulator, as a script would.
@Suite struct SubmitOutcomeTests {
  /// The emulator queues the submit and drops the connection before replying. The upload before it
  /// leaves a connection to reuse, so libcurl's own resend would show as a second submit.
  @Test func aLostSubmitReplyExits75RecordsUnknownAndSendsOnce() async throws {
    let runner = try CommandRunner()
    let emulator = try await EmulatorProcess(runner: runner, arguments: ["--drop-submit-replies", "1"])
    defer { emulator.stop() }
    let env = ["MAGI_FAL_URL": emulator.baseURL]
    let image = try await runner.makeImage()
    let output = try await runner.run(["generate", "--image", image, "--prompt", "a fox", "--wait"], environment: env)
    #expect(output.status == 75, "stderr: \(output.stderr)")
    #expect(output.stderr.contains("the submit may have reached fal; its reply was lost"))
    #expect(output.stderr.contains("magi-studio resume --retry-unknown-submit"))
    #expect(try await emulator.requestCount("submit") == 1, "the submit went out exactly once")
    let list = try await runner.run(["history", "list", "--json", "--status", "unknown"])
    let id = try #require(Self.field("id", in: list.stdout), "history: \(list.stdout)")

    let resume = try await runner.run(["resume"], environment: env)
    #expect(resume.stderr.contains("\(id): the submit may have reached fal"), "\(resume.stderr)")
    #expect(try await emulator.requestCount("submit") == 1, "resume never resends unasked")

    let retried = try await runner.run(["resume", "--retry-unknown-submit", id], environment: env)
    #expect(retried.status == 0, "stderr: \(retried.stderr)")
    #expect(try await emulator.requestCount("submit") == 2)
    let shown = try await runner.run(["history", "show", id, "--json"])
    #expect(Self.field("status", in: shown.stdout) == "completed", "\(shown.stdout)")
  }

  /// `status` asks the server and records the answer; the history alone said queued.
  @Test func statusAsksTheServerAndUpdatesTheRecord() async throws {
    let runner = try CommandRunner()
    let emulator = try await EmulatorProcess(runner: runner, arguments: ["--step-ms", "1"])
    defer { emulator.stop() }
    let env = ["MAGI_FAL_URL": emulator.baseURL]
    let submitted = try await runner.run(["generate", "--prompt", "quick", "--json"], environment: env)
    let id = try #require(Self.field("id", in: submitted.stdout))
    let requestID = try #require(Self.field("request_id", in: submitted.stdout))
    #expect(Self.field("status", in: try await runner.run(["history", "show", id, "--json"]).stdout) == "queued")
    try await emulator.waitUntilCompleted(requestID)
    let status = try await runner.run(["status", id], environment: env)
    #expect(status.status == 0, "stderr: \(status.stderr)")
    #expect(status.stdout.hasPrefix("completed"), "\(status.stdout)")
    #expect(Self.field("status", in: try await runner.run(["history", "show", id, "--json"]).stdout) == "completed")
  }

  /// `cancel` records the cancel and the job's end; `--json` names fal's request id; a second
  /// cancel of the ended job says so and fails.
  @Test func cancelIsRecordedAndAFinishedJobCannotBeCancelled() async throws {
    let runner = try CommandRunner()
    let emulator = try await EmulatorProcess(runner: runner, arguments: ["--workers", "1", "--step-ms", "500"])
    defer { emulator.stop() }
    let env = ["MAGI_FAL_URL": emulator.baseURL]
    _ = try await runner.run(["generate", "--prompt", "busy"], environment: env)
    let waiting = try await runner.run(["generate", "--prompt", "waiting", "--json"], environment: env)
    let id = try #require(Self.field("id", in: waiting.stdout))
    let requestID = try #require(Self.field("request_id", in: waiting.stdout))
    let cancel = try await runner.run(["cancel", id, "--json"], environment: env)
    #expect(cancel.status == 0, "stderr: \(cancel.stderr)")
    #expect(Self.field("request_id", in: cancel.stdout) == requestID, "\(cancel.stdout)")
    #expect(Self.field("state", in: cancel.stdout) == "cancelled", "\(cancel.stdout)")
    let shown = try await runner.run(["history", "show", id, "--json"])
    #expect(Self.field("status", in: shown.stdout) == "cancelled")
    #expect(shown.stdout.contains("cancel_requested"))
    let again = try await runner.run(["cancel", id], environment: env)
    #expect(again.status == 1)
    #expect(again.stderr.contains("\(id) had already ended cancelled; nothing was cancelled"), "\(again.stderr)")
  }

  /// Ctrl-C with `--cancel-on-interrupt` cancels through the history: the record ends cancelled,
  /// with the cancel noted, and the command exits 130.
  @Test func cancelOnInterruptRecordsTheCancel() async throws {
    let runner = try CommandRunner()
    let emulator = try await EmulatorProcess(runner: runner, arguments: ["--workers", "1", "--step-ms", "500"])
    defer { emulator.stop() }
    let env = ["MAGI_FAL_URL": emulator.baseURL]
    let waiting = try RunningCommand(
      runner, ["generate", "--prompt", "stop me", "--wait", "--cancel-on-interrupt"], environment: env)
    let id = try #require(try await waiting.historyID(), "stderr: \(waiting.stderr)")
    try await waiting.waitForStderr(containing: "running")
    waiting.interrupt()
    #expect(await waiting.exitStatus() == 130, "stderr: \(waiting.stderr)")
    let shown = try await runner.run(["history", "show", id, "--json"])
    #expect(Self.field("status", in: shown.stdout) == "cancelled", "\(shown.stdout)")
    #expect(shown.stdout.contains("cancel_requested"))
  }

  /// A job fal ends cancelled with another error type than `request_cancelled` (`client_cancelled`,
  /// answered 499) is cancelled, not failed: `generate --wait` exits 130, not 69.
  @Test func aJobCancelledElsewhereWithClientCancelledExits130() async throws {
    let runner = try CommandRunner()
    let emulator = try await EmulatorProcess(
      runner: runner, arguments: ["--workers", "1", "--step-ms", "500", "--cancel-ends-as", "client_cancelled:499"])
    defer { emulator.stop() }
    let env = ["MAGI_FAL_URL": emulator.baseURL]
    let waiting = try RunningCommand(runner, ["generate", "--prompt", "cancel me", "--wait"], environment: env)
    let id = try #require(try await waiting.historyID(), "stderr: \(waiting.stderr)")
    try await waiting.waitForStderr(containing: "running")
    let cancel = try await runner.run(["cancel", id], environment: env)
    #expect(cancel.status == 0, "stderr: \(cancel.stderr)")
    #expect(await waiting.exitStatus() == 130, "stderr: \(waiting.stderr)")
    #expect(Self.field("status", in: try await runner.run(["history", "show", id, "--json"]).stdout) == "cancelled")
  }

  static func field(_ name: String, in json: String) -> String? {
    let line = json.split(separator: "\n").first.map(String.init) ?? ""
    let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
    return object?[name] as? String
  }
}

extension EmulatorProcess {
  /// The emulator's own count of requests on a route (`GET /_emulator/metrics`).
  func requestCount(_ route: String) async throws -> Int {
    let metrics = try await self.metrics()
    return (metrics["requests"] as? [String: Any])?[route] as? Int ?? -1
  }

  /// Waits until the emulator reports the request finished: bounded, so that a regression fails
  /// instead of hanging, and loosely, because the twin renders the video (ffmpeg) before it calls a
  /// job completed and CI runs four tests at once on two cores.
  func waitUntilCompleted(_ requestID: String, timeout: TimeInterval = 90) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if (try await metrics()["completed_at"] as? [String: Any])?[requestID] != nil { return }
      try await Task.sleep(for: .milliseconds(50))
    }
    throw CocoaError(
      .fileReadUnknown,
      userInfo: [NSLocalizedDescriptionKey: "the twin did not complete \(requestID) within \(Int(timeout)) s"])
  }

  private func metrics() async throws -> [String: Any] {
    let fetched = try await ChildProcess.run(["curl", "-s", baseURL + "/_emulator/metrics"])
    return (try JSONSerialization.jsonObject(with: Data(fetched.stdout.utf8)) as? [String: Any]) ?? [:]
  }
}

/// A command left running while the test acts on it, its stderr read as it comes (off the task pool).
final class RunningCommand {
  let child: RunningChild

  init(_ runner: CommandRunner, _ arguments: [String], environment extra: [String: String] = [:]) throws {
    child = try RunningChild(
      [CommandRunner.binary] + arguments, environment: runner.environment.merging(extra) { $1 }, directory: runner.home)
  }

  var stderr: String { child.stderr.text }

  /// Waits until stderr holds `text` (bounded: throws after `timeout`).
  func waitForStderr(containing text: String, timeout: Duration = .seconds(30)) async throws {
    guard await child.stderr.contains(text, within: timeout) else {
      throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: stderr])
    }
  }

  /// The first whole stderr line `match` accepts; throws when stderr ends or 30 s pass without one.
  func waitForLine(_ match: @escaping @Sendable (String) -> Bool) async throws -> String {
    _ = await child.stderr.wait { text, ended in
      ended || text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().contains { match(String($0)) }
    }
    guard let line = child.stderr.lines.first(where: match) else {
      throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: stderr])
    }
    return line
  }

  /// The history id from `submitted … (history id X)`.
  func historyID() async throws -> String? {
    try await waitForStderr(containing: "(history id ")
    let line = stderr.split(separator: "\n").first { $0.contains("(history id ") } ?? ""
    return line.split(separator: "(history id ").last.map { String($0.dropLast()) }
  }

  /// Ctrl-C, without waiting (a `defer` cannot await): a thread of its own reaps it.
  func interrupt() { child.interrupt() }

  /// Waits for the command to exit (off the task pool), killing it after `timeout`.
  func exitStatus(timeout: Duration = .seconds(60)) async -> Int32 {
    await child.exitStatus(within: timeout).status
  }
}

extension SubmitOutcomeTests {
  /// Offline, the twin of a later run listens on another port, but it keeps the job: `status`
  /// asks it (as `resume` does) instead of printing what the history last knew.
  @Test func statusAsksTheOfflineTwinOfALaterRun() async throws {
    let runner = try CommandRunner()
    let submitted = try await runner.run(["generate", "--offline", "--prompt", "kept by the twin", "--json"])
    #expect(submitted.status == 0, "stderr: \(submitted.stderr)")
    let id = try #require(Self.field("id", in: submitted.stdout))
    #expect(Self.field("status", in: try await runner.run(["history", "show", id, "--json"]).stdout) == "queued")
    // Someone else now holds the port the twin listened on, so the next twin gets another one.
    let server = try #require(Self.field("server", in: submitted.stdout))
    let portText = try #require(server.split(separator: ":").last)
    let port = try #require(UInt16(portText))
    let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(holder) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(holder, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    // A program of a suite running alongside may have taken the freed port first: held all the same.
    let held = bound == 0 ? listen(holder, 1) == 0 : errno == EADDRINUSE
    #expect(held)
    let status = try await runner.run(["status", id, "--offline", "--json"])

    #expect(status.status == 0, "stderr: \(status.stderr)")
    let shown = try await runner.run(["history", "show", id, "--json"])
    #expect(shown.stdout.contains("\"transitions\""))
    #expect(Self.field("status", in: shown.stdout) != "queued", "status printed the cached state: \(status.stdout)")
  }
}
