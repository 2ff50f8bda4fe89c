import Foundation
import TerminalScreen

/// A private tmux server running one pane at a fixed size, for driving `curses-probe` like a user.
///
/// Synchronisation is by polling for an expected state with a deadline (lazygit style), never by
/// sleeping a fixed time. The server is private (`-L`), so a user's tmux is never touched.
final class TmuxSession {
  let socket = "curses-test-\(getpid())-\(UUID().uuidString.prefix(8))"
  let directory: URL
  let logPath: String
  let sttyPath: String
  private(set) var panePID: Int32?

  static var tmuxPath: String? {
    ["/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"].first { FileManager.default.isExecutableFile(atPath: $0) }
  }

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

  /// Starts the probe in a pane wrapped by `sh`, which afterwards records the exit status and
  /// `stty -a` (to prove the terminal modes were restored) and stays alive so the pane can be read.
  ///
  /// With `interactiveShell`, the pane is an interactive `sh -i` (job control, as a user has) and the
  /// probe is typed at its prompt; Ctrl-Z then really stops it and `fg` brings it back.
  init(
    width: Int = 60, height: Int = 12, environment: [String: String] = [:], probeArguments: [String] = [],
    interactiveShell: Bool = false
  ) throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent(socket)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    logPath = directory.appendingPathComponent("probe.log").path
    sttyPath = directory.appendingPathComponent("stty.txt").path
    let env = (["LANG": "C.UTF-8", "TERM": "xterm-256color"].merging(environment) { $1 })
      .sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.quote($0.value))" }.joined(separator: " ")
    // The test runner's own NO_COLOR/COLORTERM must not leak into the pane.
    let clean = "env -u NO_COLOR -u COLORTERM \(env)"
    let probe = ([Self.probePath!, "--log", logPath] + probeArguments).map(Self.quote).joined(separator: " ")
    let script = "trap : INT; \(probe); echo probe-exit=$?; stty -a > \(Self.quote(sttyPath)); exec sleep 300"
    let command = interactiveShell ? "\(clean) PS1='$ ' sh -i" : "\(clean) sh -c \(Self.quote(script))"
    try tmux(["new-session", "-d", "-s", "p", "-x", "\(width)", "-y", "\(height)", command])
    panePID = Int32(format("#{pane_pid}"))
    if interactiveShell {
      guard wait(until: { capture().contains("$") }) else { return }
      try tmux(["send-keys", "-t", "p", "-l", probe])
      try tmux(["send-keys", "-t", "p", "Enter"])
    }
  }

  deinit {
    // kill-server alone is not enough: it HUPs the pane, and a runner that ignores SIGHUP (nohup,
    // some CI) passes that on to the pane's `sleep`, which would keep the server alive.
    if let pid = probePID { kill(pid, SIGKILL) }
    if let pane = panePID { kill(pane, SIGKILL) }
    _ = try? tmux(["kill-server"])
    try? FileManager.default.removeItem(at: directory)
  }

  static func quote(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

  /// Runs one tmux command and returns its stdout.
  ///
  /// posix_spawn + waitpid rather than Foundation's Process: the server forks from the first
  /// command and inherits its descriptors (a pipe would never reach EOF), and Process left the
  /// client unreaped here. Output goes through a file for the same reason.
  @discardableResult
  func tmux(_ arguments: [String]) throws -> String {
    let outputPath = directory.appendingPathComponent("tmux-out-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: outputPath) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let argv = ([Self.tmuxPath!, "-L", socket, "-f", "/dev/null"] + arguments).map { strdup($0) }
    defer { argv.forEach { free($0) } }
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
    let result = posix_spawn(&pid, Self.tmuxPath!, &actions, &attributes, argv + [nil], environ)
    guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO) }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
  }

  func capture(escapes: Bool = false) -> String {
    (try? tmux(["capture-pane", "-p", "-t", "p"] + (escapes ? ["-e"] : []))) ?? ""
  }

  func format(_ format: String) -> String {
    ((try? tmux(["display-message", "-p", "-t", "p", format])) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
  }

  func sendKeys(_ keys: String...) throws { try tmux(["send-keys", "-t", "p"] + keys) }
  func sendLiteral(_ text: String) throws { try tmux(["send-keys", "-t", "p", "-l", text]) }

  var logLines: [String] {
    ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
  }

  var events: [String] { logLines.filter { $0.hasPrefix("event ") }.map { String($0.dropFirst(6)) } }

  var probePID: Int32? {
    logLines.first { $0.hasPrefix("pid ") }.flatMap { Int32($0.dropFirst(4)) }
  }

  /// Polls `condition` until it holds or `seconds` pass; true if it held.
  @discardableResult
  func wait(seconds: Double = 10, until condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if condition() { return true }
      usleep(20_000)
    }
    return condition()
  }

  func waitForReady() -> Bool { wait { logLines.contains { $0.hasPrefix("ready") } && capture().contains("size:") } }
}
