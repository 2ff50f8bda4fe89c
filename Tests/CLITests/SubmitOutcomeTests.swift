#if canImport(Glibc)
import Glibc
#endif
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

  /// Ctrl-C with `--cancel-on-interrupt` cancels through the history: the record ends cancelled,
  /// with the cancel noted, and the command exits 130.
  @Test func cancelOnInterruptRecordsTheCancel() throws {
    let runner = try CommandRunner()
    let emulator = try EmulatorProcess(runner: runner, arguments: ["--workers", "1", "--step-ms", "500"])
    defer { emulator.stop() }
    let env = ["MAGI_FAL_URL": emulator.baseURL]
    let waiting = try RunningCommand(runner, ["generate", "--prompt", "stop me", "--wait", "--cancel-on-interrupt"], environment: env)
    let id = try #require(try waiting.historyID(), "stderr: \(waiting.stderr)")
    try waiting.waitForStderr(containing: "running")
    waiting.process.interrupt()
    #expect(waiting.exitStatus() == 130, "stderr: \(waiting.stderr)")
    let shown = try runner.run(["history", "show", id, "--json"])
    #expect(Self.field("status", in: shown.stdout) == "cancelled", "\(shown.stdout)")
    #expect(shown.stdout.contains("cancel_requested"))
  }

  /// A job fal ends cancelled with another error type than `request_cancelled` (`client_cancelled`,
  /// answered 499) is cancelled, not failed: `generate --wait` exits 130, not 69.
  @Test func aJobCancelledElsewhereWithClientCancelledExits130() throws {
    let runner = try CommandRunner()
    let emulator = try EmulatorProcess(
      runner: runner, arguments: ["--workers", "1", "--step-ms", "500", "--cancel-ends-as", "client_cancelled:499"])
    defer { emulator.stop() }
    let env = ["MAGI_FAL_URL": emulator.baseURL]
    let waiting = try RunningCommand(runner, ["generate", "--prompt", "cancel me", "--wait"], environment: env)
    let id = try #require(try waiting.historyID(), "stderr: \(waiting.stderr)")
    try waiting.waitForStderr(containing: "running")
    let cancel = try runner.run(["cancel", id], environment: env)
    #expect(cancel.status == 0, "stderr: \(cancel.stderr)")
    #expect(waiting.exitStatus() == 130, "stderr: \(waiting.stderr)")
    #expect(Self.field("status", in: try runner.run(["history", "show", id, "--json"]).stdout) == "cancelled")
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

/// A command left running while the test acts on it, its stderr read as it comes.
final class RunningCommand {
  let process = Process()
  private let errors = LockedText()
  private let exited = DispatchSemaphore(value: 0)

  init(_ runner: CommandRunner, _ arguments: [String], environment extra: [String: String]) throws {
    process.executableURL = URL(fileURLWithPath: CommandRunner.binary)
    process.arguments = arguments
    process.environment = runner.environment.merging(extra) { $1 }
    process.currentDirectoryURL = URL(fileURLWithPath: runner.home)
    process.standardOutput = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    let pipe = Pipe()
    process.standardError = pipe
    process.terminationHandler = { [exited] _ in exited.signal() }
    try process.run()
    let errors = self.errors
    Thread {
      // `availableData` returns what has arrived; `read(upToCount:)` would wait for the whole count.
      while case let chunk = pipe.fileHandleForReading.availableData, !chunk.isEmpty {
        errors.append(String(decoding: chunk, as: UTF8.self))
      }
    }.start()
  }

  var stderr: String { errors.value }

  /// Blocks until stderr holds `text` (bounded: throws after `timeout`).
  func waitForStderr(containing text: String, timeout: TimeInterval = 30) throws {
    guard errors.wait(until: { $0.contains(text) }, timeout: timeout) else { throw CocoaError(.fileReadUnknown) }
  }

  /// The history id from `submitted … (history id X)`.
  func historyID() throws -> String? {
    try waitForStderr(containing: "(history id ")
    let line = stderr.split(separator: "\n").first { $0.contains("(history id ") } ?? ""
    return line.split(separator: "(history id ").last.map { String($0.dropLast()) }
  }

  func exitStatus(timeout: TimeInterval = 60) -> Int32 {
    if exited.wait(timeout: .now() + timeout) == .timedOut { process.terminate() }
    process.waitUntilExit()
    return process.terminationStatus
  }
}

/// Text appended by one thread and waited on by another.
final class LockedText: Sendable {
  private let condition = NSCondition()
  private nonisolated(unsafe) var text = ""

  func append(_ more: String) {
    condition.lock()
    text += more
    condition.broadcast()
    condition.unlock()
  }

  var value: String {
    condition.lock()
    defer { condition.unlock() }
    return text
  }

  /// Waits for `predicate` to hold of the text, woken by each append; false after `timeout`.
  func wait(until predicate: (String) -> Bool, timeout: TimeInterval) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    condition.lock()
    defer { condition.unlock() }
    while !predicate(text) {
      if !condition.wait(until: deadline) { return predicate(text) }
    }
    return true
  }
}

extension SubmitOutcomeTests {
  /// Offline, the twin of a later run listens on another port, but it keeps the job: `status`
  /// asks it (as `resume` does) instead of printing what the history last knew.
  @Test func statusAsksTheOfflineTwinOfALaterRun() throws {
    let runner = try CommandRunner()
    let submitted = try runner.run(["generate", "--offline", "--prompt", "kept by the twin", "--json"])
    #expect(submitted.status == 0, "stderr: \(submitted.stderr)")
    let id = try #require(Self.field("id", in: submitted.stdout))
    #expect(Self.field("status", in: try runner.run(["history", "show", id, "--json"]).stdout) == "queued")
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
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(holder, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    #expect(bound == 0 && listen(holder, 1) == 0)
    let status = try runner.run(["status", id, "--offline", "--json"])

    #expect(status.status == 0, "stderr: \(status.stderr)")
    let shown = try runner.run(["history", "show", id, "--json"])
    #expect(shown.stdout.contains("\"transitions\""))
    #expect(Self.field("status", in: shown.stdout) != "queued", "status printed the cached state: \(status.stdout)")
  }
}
