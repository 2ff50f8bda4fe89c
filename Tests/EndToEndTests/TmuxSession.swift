import Foundation
import Testing

/// A real terminal for end-to-end tests: the studio runs in tmux on a private server, keys are
/// typed with send-keys and the screen read with capture-pane, as a person would see it.
///
/// Synchronisation is by waiting for text to appear (with a deadline), never by fixed sleeps.
final class TmuxSession {
  let socket = "magi-e2e-\(UUID().uuidString.prefix(8))"
  let name = "studio"

  init(command: [String], environment: [String: String], width: Int = 80, height: Int = 24) throws {
    let exports = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.quote($0.value))" }.joined(separator: " ")
    let line = "env -i \(exports) " + command.map(Self.quote).joined(separator: " ")
    try tmux(["new-session", "-d", "-s", name, "-x", "\(width)", "-y", "\(height)", line])
    try tmux(["set-option", "-t", name, "remain-on-exit", "on"])
  }

  deinit {
    // The studio is killed first: a test runner that ignores SIGHUP would otherwise pass that on,
    // and the program would outlive its tmux server.
    if let pid = try? panePID(), pid > 0 { kill(pid, SIGKILL) }
    _ = try? tmux(["kill-server"])
  }

  /// Types text literally (UTF-8), not as key names.
  func type(_ text: String) throws { try tmux(["send-keys", "-t", name, "-l", text]) }

  /// Presses named keys: `Enter`, `Tab`, `BTab`, `Escape`, `C-s`, `Left`, …
  func press(_ keys: String...) throws { try tmux(["send-keys", "-t", name] + keys) }

  func resize(width: Int, height: Int) throws {
    try tmux(["resize-window", "-t", name, "-x", "\(width)", "-y", "\(height)"])
  }

  /// The visible screen as text rows.
  func screen() throws -> String { try tmux(["capture-pane", "-p", "-t", name]) }

  /// Whether the program in the pane has exited (remain-on-exit keeps the pane to read it).
  func hasExited() throws -> Bool {
    try tmux(["display-message", "-p", "-t", name, "#{pane_dead}"]).trimmingCharacters(in: .whitespacesAndNewlines) == "1"
  }

  func alternateScreenOn() throws -> Bool {
    try tmux(["display-message", "-p", "-t", name, "#{alternate_on}"]).trimmingCharacters(in: .whitespacesAndNewlines) == "1"
  }

  /// The pane's terminal device: writing to it is another program scribbling over the screen.
  func paneTTY() throws -> String {
    try tmux(["display-message", "-p", "-t", name, "#{pane_tty}"]).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  func panePID() throws -> Int32 {
    Int32(try tmux(["display-message", "-p", "-t", name, "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
  }

  /// Waits until `predicate` holds for the screen, returning it; fails the test with the last
  /// screen attached when the deadline passes.
  @discardableResult
  func waitFor(
    _ description: String, timeout: TimeInterval = 30, sourceLocation: SourceLocation = #_sourceLocation,
    _ predicate: (String) -> Bool
  ) throws -> String {
    let deadline = Date().addingTimeInterval(timeout)
    var last = ""
    while Date() < deadline {
      last = try screen()
      if predicate(last) { return last }
      Thread.sleep(forTimeInterval: 0.05)
    }
    Issue.record("timed out waiting for \(description); screen was:\n\(last)", sourceLocation: sourceLocation)
    throw TmuxError.timeout(description)
  }

  @discardableResult
  func waitFor(_ text: String, timeout: TimeInterval = 30, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    try waitFor("'\(text)'", timeout: timeout, sourceLocation: sourceLocation) { $0.contains(text) }
  }

  enum TmuxError: Error {
    case failed(String)
    case timeout(String)
  }

  /// Runs tmux and returns what it printed. posix_spawn + waitpid rather than Foundation's Process:
  /// the server that `new-session` starts inherits the client's descriptors, and Process's exit
  /// monitoring was seen to miss the client's exit in that case.
  @discardableResult
  private func tmux(_ arguments: [String]) throws -> String {
    let outputPath = NSTemporaryDirectory() + "tmux-out-\(UUID().uuidString)"
    defer { unlink(outputPath) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let argv = ["/usr/bin/env", "tmux", "-L", socket] + arguments
    let cArguments = argv.map { strdup($0) } + [nil]
    defer { cArguments.forEach { free($0) } }
    var pid: pid_t = 0
    // The tmux server forks from this client: with the test thread's blocked signals (SIGCHLD among
    // them) it would never reap its pane nor hear kill-server's end, and outlive the run.
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var empty = sigset_t()
    sigemptyset(&empty)
    posix_spawnattr_setsigmask(&attributes, &empty)
    var all = sigset_t()
    sigfillset(&all)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    let spawned = posix_spawn(&pid, "/usr/bin/env", &actions, &attributes, cArguments, environ)
    guard spawned == 0 else { throw TmuxError.failed("cannot start tmux: \(String(cString: strerror(spawned)))") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0, errno == EINTR {}
    let code = (status >> 8) & 0xFF
    guard code == 0 || arguments.first == "kill-server" else {
      throw TmuxError.failed("tmux \(arguments.joined(separator: " ")) exited \(code)")
    }
    return String(decoding: FileManager.default.contents(atPath: outputPath) ?? Data(), as: UTF8.self)
  }

  static func quote(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}
