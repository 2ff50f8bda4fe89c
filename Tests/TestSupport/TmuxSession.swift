import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A real terminal for tests: one pane on a private tmux server (`-L`, so a user's tmux is never
/// touched) with tmux's default options (`-f /dev/null`), keys typed with send-keys and the screen
/// read with capture-pane, as a person would see it.
///
/// Every tmux command is a child process awaited off the task pool (``ChildProcess``).
/// Synchronisation is by waiting for an expected state with a deadline, never by a fixed sleep.
public final class TmuxSession: Sendable {
  public let socket: String
  /// The session (and pane) name to target.
  public let target: String
  /// The pane's first process and the server's, for `deinit` to end them without waiting.
  private let pids: (pane: Int32, server: Int32)

  public static var tmuxPath: String? {
    ["/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"].first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  /// Starts `shellCommand` (one `sh -c` line) in a `width`×`height` pane that stays readable after
  /// the command exits.
  public init(
    shellCommand: String, width: Int = 80, height: Int = 24, socketPrefix: String = "magi-test",
    sessionName: String = "pane"
  ) async throws {
    target = sessionName
    let socket = "\(socketPrefix)-\(getpid())-\(UUID().uuidString.prefix(8))"
    self.socket = socket
    let numbers: [Int32]
    do {
      // remain-on-exit before the pane exists: set afterwards, a program that exits at once (a
      // cached preview) took its pane, and its exit status, with it.
      try await Self.run(
        socket: socket,
        [
          "start-server", ";", "set-option", "-g", "remain-on-exit", "on", ";",
          "new-session", "-d", "-s", sessionName, "-x", "\(width)", "-y", "\(height)", shellCommand,
        ])
      numbers = try await Self.run(socket: socket, ["display-message", "-p", "-t", sessionName, "#{pane_pid} #{pid}"])
        .split(separator: " ").map { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 }
    } catch {
      _ = try? await Self.run(socket: socket, ["kill-server"])
      throw error
    }
    pids = (numbers.first ?? 0, numbers.count > 1 ? numbers[1] : 0)
  }

  /// Runs `command` with exactly `environment` (nothing of the test runner's leaks in) plus what
  /// tmux gives a pane (`TMUX`, `TMUX_PANE`): the program runs inside tmux as a user's would.
  public convenience init(
    command: [String], environment: [String: String], width: Int = 80, height: Int = 24
  ) async throws {
    let exports = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.quote($0.value))" }
      .joined(separator: " ")
    try await self.init(
      shellCommand: "env -i \(exports) TMUX=\"$TMUX\" TMUX_PANE=\"$TMUX_PANE\" "
        + command.map(Self.quote).joined(separator: " "),
      width: width, height: height, socketPrefix: "magi-e2e")
  }

  deinit {
    // Signals only (deinit cannot await a tmux command). The pane's program is killed first: a test
    // runner that ignores SIGHUP would pass that on, and the program would outlive its server.
    if pids.pane > 0 { kill(pids.pane, SIGKILL) }
    if pids.server > 0 { kill(pids.server, SIGTERM) }
  }

  /// Ends the pane's program and the server now (also done, later, when the session is released).
  public func close() async {
    _ = try? await run(["kill-server"])
  }

  /// Runs one tmux command against this server; returns what it printed.
  @discardableResult
  public func run(_ arguments: [String]) async throws -> String {
    try await Self.run(socket: socket, arguments)
  }

  @discardableResult
  private static func run(socket: String, _ arguments: [String]) async throws -> String {
    guard let tmux = tmuxPath else { throw TmuxError.failed("tmux is not installed") }
    let output = try await ChildProcess.run([tmux, "-L", socket, "-f", "/dev/null"] + arguments, timeout: .seconds(30))
    guard output.status == 0 || arguments.first == "kill-server" else {
      throw TmuxError.failed("tmux \(arguments.joined(separator: " ")) exited \(output.status): \(output.stderr)")
    }
    return output.stdout
  }

  /// Types text literally (UTF-8), not as key names.
  public func type(_ text: String) async throws { try await run(["send-keys", "-t", target, "-l", text]) }

  /// Presses named keys: `Enter`, `Tab`, `BTab`, `Escape`, `C-s`, `Left`, …
  public func press(_ keys: String...) async throws { try await run(["send-keys", "-t", target] + keys) }

  public func resize(width: Int, height: Int) async throws {
    try await run(["resize-window", "-t", target, "-x", "\(width)", "-y", "\(height)"])
  }

  /// The visible screen as text rows (with `escapes`, with its SGR attributes as escapes).
  public func screen(escapes: Bool = false) async throws -> String {
    try await run(["capture-pane", "-p", "-t", target] + (escapes ? ["-e"] : []))
  }

  /// A tmux format expanded for the pane (`#{pane_pid}`, `#{pane_dead}`, …).
  public func format(_ format: String) async throws -> String {
    try await run(["display-message", "-p", "-t", target, format]).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Whether the program in the pane has exited (remain-on-exit keeps the pane to read it).
  public func hasExited() async throws -> Bool { try await format("#{pane_dead}") == "1" }

  /// The names of the server's paste buffers, newest first.
  public func bufferNames() async throws -> [String] {
    try await run(["list-buffers", "-F", "#{buffer_name}"]).split(separator: "\n").map(String.init)
  }

  /// The newest paste buffer's text.
  public func newestBuffer() async throws -> String { try await run(["show-buffer"]) }

  /// The environment a program in the pane has from tmux: `TMUX` (the server's socket) and
  /// `TMUX_PANE`, for a test that talks to this server as that program would.
  public func paneEnvironment() async throws -> [String: String] {
    let fields = try await format("#{socket_path},#{pid},0|#{pane_id}").split(separator: "|").map(String.init)
    guard fields.count == 2 else { throw TmuxError.failed("no socket path and pane id: \(fields)") }
    return ["TMUX": fields[0], "TMUX_PANE": fields[1]]
  }

  public func alternateScreenOn() async throws -> Bool { try await format("#{alternate_on}") == "1" }

  public func panePID() async throws -> Int32 { Int32(try await format("#{pane_pid}")) ?? 0 }

  /// Waits until `predicate` holds for the screen, returning it; fails the test with the last
  /// screen attached when the deadline passes.
  @discardableResult
  public func waitFor(
    _ description: String, timeout: Duration = .seconds(30), sourceLocation: SourceLocation = #_sourceLocation,
    _ predicate: (String) -> Bool
  ) async throws -> String {
    let deadline = ContinuousClock.now + timeout
    var last = ""
    while ContinuousClock.now < deadline {
      last = try await screen()
      if predicate(last) { return last }
      try await Task.sleep(for: .milliseconds(40))
    }
    Issue.record("timed out waiting for \(description); screen was:\n\(last)", sourceLocation: sourceLocation)
    throw TmuxError.timeout(description)
  }

  @discardableResult
  public func waitFor(
    _ text: String, timeout: Duration = .seconds(30), sourceLocation: SourceLocation = #_sourceLocation
  ) async throws -> String {
    try await waitFor("'\(text)'", timeout: timeout, sourceLocation: sourceLocation) { $0.contains(text) }
  }

  /// Waits until the pane's program has exited; fails the test when it has not within `timeout`.
  public func waitUntilExited(timeout: Duration = .seconds(30), sourceLocation: SourceLocation = #_sourceLocation)
    async throws
  {
    let exited = await wait(timeout: timeout) { (try? await self.hasExited()) == true }
    if !exited {
      let last = (try? await screen()) ?? ""
      Issue.record("the program did not exit; screen was:\n\(last)", sourceLocation: sourceLocation)
      throw TmuxError.timeout("exit")
    }
  }

  /// Polls `condition` until it holds or `timeout` passes; whether it held.
  public func wait(timeout: Duration = .seconds(10), until condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
      if await condition() { return true }
      try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
  }

  public enum TmuxError: Error {
    case failed(String)
    case timeout(String)
  }

  public static func quote(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}
