import Foundation
import Synchronization
import TestSupport

#if canImport(Glibc)
  import Glibc
#endif

/// `curses-probe` in a tmux pane at a fixed size, driven like a user (``TmuxSession`` underneath).
///
/// The probe logs what it sees (`ready`, `event …`, `pid N`) to a file the tests read, and a
/// wrapping `sh` records its exit status and `stty -a` afterwards (to prove the terminal modes were
/// restored) and keeps the pane alive to be read.
final class ProbeSession: Sendable {
  let session: TmuxSession
  let directory: URL
  let logPath: String
  let sttyPath: String

  static var tmuxPath: String? { TmuxSession.tmuxPath }

  /// `curses-probe`, built next to the test bundle (walking up from it until found).
  static var probePath: String? {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<6 {
      let candidate = directory.appendingPathComponent("curses-probe").path
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
      directory.deleteLastPathComponent()
    }
    return nil
  }

  static var available: Bool { tmuxPath != nil && probePath != nil }

  /// With `interactiveShell`, the pane is an interactive `sh -i` (job control, as a user has) and the
  /// probe is typed at its prompt; Ctrl-Z then really stops it and `fg` brings it back.
  init(
    width: Int = 60, height: Int = 12, environment: [String: String] = [:], probeArguments: [String] = [],
    interactiveShell: Bool = false
  ) async throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "curses-test-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    logPath = directory.appendingPathComponent("probe.log").path
    sttyPath = directory.appendingPathComponent("stty.txt").path
    let env = (["LANG": "C.UTF-8", "TERM": "xterm-256color"].merging(environment) { $1 })
      .sorted { $0.key < $1.key }.map { "\($0.key)=\(TmuxSession.quote($0.value))" }.joined(separator: " ")
    // The test runner's own NO_COLOR/COLORTERM must not leak into the pane.
    let clean = "env -u NO_COLOR -u COLORTERM \(env)"
    let probe = ([Self.probePath!, "--log", logPath] + probeArguments).map(TmuxSession.quote).joined(separator: " ")
    // `stty -a` goes to a scratch file renamed into place: the test waits for the file to exist, and
    // a redirection creates it (empty) before stty has written a byte.
    let sttyScratch = TmuxSession.quote(sttyPath + ".part")
    let script =
      "trap : INT; \(probe); echo probe-exit=$?; stty -a > \(sttyScratch); mv \(sttyScratch) \(TmuxSession.quote(sttyPath)); exec sleep 300"
    let command = interactiveShell ? "\(clean) PS1='$ ' sh -i" : "\(clean) sh -c \(TmuxSession.quote(script))"
    session = try await TmuxSession(
      shellCommand: command, width: width, height: height, socketPrefix: "curses-test", sessionName: "p")
    if interactiveShell {
      guard await wait(until: { await self.capture().contains("$") }) else { return }
      try await session.type(probe)
      try await session.press("Enter")
    }
  }

  deinit {
    // The probe may run under an interactive shell, not as the pane's first process.
    if let pid = probePID { kill(pid, SIGKILL) }
    try? FileManager.default.removeItem(at: directory)
  }

  @discardableResult
  func tmux(_ arguments: [String]) async throws -> String { try await session.run(arguments) }

  func capture(escapes: Bool = false) async -> String {
    let screen = (try? await session.screen(escapes: escapes)) ?? ""
    captured.withLock { $0 = screen }
    return screen
  }

  /// The screen the last ``capture(escapes:)`` read, for failure messages.
  var lastCapture: String { captured.withLock { $0 } }
  private let captured = Mutex("")

  func format(_ format: String) async -> String { (try? await session.format(format)) ?? "" }

  func sendKeys(_ keys: String...) async throws { try await session.run(["send-keys", "-t", "p"] + keys) }
  func sendLiteral(_ text: String) async throws { try await session.type(text) }

  var logLines: [String] {
    ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
  }

  var events: [String] { logLines.filter { $0.hasPrefix("event ") }.map { String($0.dropFirst(6)) } }

  var probePID: Int32? {
    logLines.first { $0.hasPrefix("pid ") }.flatMap { Int32($0.dropFirst(4)) }
  }

  /// Polls `condition` until it holds or `seconds` pass; true if it held.
  @discardableResult
  func wait(seconds: Double = 10, until condition: () async -> Bool) async -> Bool {
    await session.wait(timeout: .milliseconds(Int(seconds * 1000)), until: condition)
  }

  func waitForReady() async -> Bool {
    await wait {
      guard logLines.contains(where: { $0.hasPrefix("ready") }) else { return false }
      return await capture().contains("size:")
    }
  }
}
