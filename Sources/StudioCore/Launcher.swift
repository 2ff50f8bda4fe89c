#if canImport(Glibc)
import Glibc
#endif
import FalClient
import TerminalScreen

/// Opens a finished video the way that helps where the studio runs.
///
/// With a graphical session it spawns `xdg-open` directly (an argv, never a shell: a file name or
/// URL is never interpreted), with an environment that holds no `FAL_KEY*`: the viewer it starts
/// has no business with the key. Over ssh with no display there is nothing local to open, so it
/// reports the path and URL and, when a terminal will receive them, asks that terminal to copy the URL
/// (OSC 52) and offers it as an OSC 8 link. Only http(s) URLs and files inside the studio's own
/// directories are ever opened.
public struct Launcher: Sendable {
  /// What the launcher did, with the one line that explains it.
  public struct Outcome: Sendable, Hashable {
    public enum Action: Sendable, Hashable {
      case openedFile(String)
      case openedURL(String)
      /// Nothing was opened; `escapes` and `link` are for the caller to write to the terminal.
      case reported
    }

    public var action: Action
    public var message: String
    /// The OSC 52 copy request, when the launcher could not open anything. It puts nothing on the
    /// screen, so a full-screen caller (the studio) can write it wherever its cursor is.
    public var escapes: String
    /// The OSC 8 link, whose label is visible text: only for a caller that writes it on a line of
    /// its own (the CLI). Written over a drawn screen it would land at the cursor, over the drawing.
    public var link: String

    public init(action: Action, message: String, escapes: String = "", link: String = "") {
      self.action = action
      self.message = message
      self.escapes = escapes
      self.link = link
    }
  }

  public struct Target: Sendable, Hashable {
    public var localPath: String?
    public var url: String?

    public init(localPath: String? = nil, url: String? = nil) {
      self.localPath = localPath
      self.url = url
    }
  }

  public var environment: [String: String]
  /// Directories whose files may be opened (the studio's data and download directories).
  public var allowedDirectories: [String]
  /// Whether the caller writes ``Outcome/escapes`` to a terminal. When it cannot (the CLI's output
  /// is a pipe), no escapes are made and the message claims no copy: it gives the URL instead.
  public var escapesReachTerminal: Bool
  /// Starts a program; replaced in tests. Returns an error text on failure.
  public var spawn: @Sendable ([String], [String: String]) -> String?

  public init(
    environment: [String: String], allowedDirectories: [String], escapesReachTerminal: Bool = true,
    spawn: @escaping @Sendable ([String], [String: String]) -> String? = Launcher.spawnDetached
  ) {
    self.environment = environment
    self.allowedDirectories = allowedDirectories.map(Self.canonicalPath)
    self.escapesReachTerminal = escapesReachTerminal
    self.spawn = spawn
  }

  public var isSSH: Bool {
    ["SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"].contains { !(environment[$0] ?? "").isEmpty }
  }

  public var hasDisplay: Bool {
    !(environment["DISPLAY"] ?? "").isEmpty || !(environment["WAYLAND_DISPLAY"] ?? "").isEmpty
  }

  /// The `xdg-open` found on PATH, if any.
  public var xdgOpenPath: String? {
    for directory in (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
      let candidate = "\(directory)/xdg-open"
      if access(candidate, X_OK) == 0 { return candidate }
    }
    return nil
  }

  public func open(_ target: Target) -> Outcome {
    let file = target.localPath.flatMap { path -> String? in
      let real = Self.canonicalPath(path)
      guard access(real, R_OK) == 0, allowedDirectories.contains(where: { real.hasPrefix($0 + "/") }) else { return nil }
      return real
    }
    let url = target.url.flatMap { url -> String? in
      let lower = url.lowercased()
      return lower.hasPrefix("https://") || lower.hasPrefix("http://") ? url : nil
    }
    if target.localPath != nil, file == nil, target.url == nil {
      return Outcome(action: .reported, message: "not opening \(target.localPath ?? ""): it is missing or outside the studio's directories")
    }
    guard file != nil || url != nil else {
      return Outcome(action: .reported, message: "nothing to open: no local copy and no http(s) URL")
    }
    if hasDisplay, let xdgOpen = xdgOpenPath {
      let argument = file ?? url ?? ""
      if let failure = spawn([xdgOpen, argument], Credentials.scrubbed(environment)) {
        return report(file: file, url: url, reason: "xdg-open failed (\(failure))")
      }
      return Outcome(
        action: file != nil ? .openedFile(argument) : .openedURL(argument),
        message: "opened \(argument) with xdg-open")
    }
    let reason =
      isSSH ? "over ssh with no display" : hasDisplay ? "xdg-open is not installed" : "no graphical display"
    return report(file: file, url: url, reason: reason)
  }

  private func report(file: String?, url: String?, reason: String) -> Outcome {
    var parts: [String] = []
    var escapes = ""
    var link = ""
    if let file { parts.append("file: \(file)") }
    if let url {
      if escapesReachTerminal, let copy = TerminalEscapes.copyToClipboard(url, insideTmux: environment["TMUX"] != nil) {
        escapes += copy
        // Only the request is certain: whether the terminal honours OSC 52 is its own affair.
        parts.append("asked your terminal to copy the URL (OSC 52)")
      } else {
        parts.append("URL: \(url)")
      }
      if escapesReachTerminal { link = TerminalEscapes.hyperlink(url, label: "link") }
    }
    if let file, isSSH { parts.append("fetch it with: scp \(Self.hostName()):\(file) .") }
    return Outcome(action: .reported, message: "\(reason): " + parts.joined(separator: "; "), escapes: escapes, link: link)
  }

  public static func canonicalPath(_ path: String) -> String {
    guard let resolved = realpath(path, nil) else { return path }
    defer { free(resolved) }
    return String(cString: resolved)
  }

  static func hostName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count) == 0 else { return "this-host" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// Spawns `argv` detached from the studio's terminal (its own session, output discarded) and reaps it.
  public static let spawnDetached: @Sendable ([String], [String: String]) -> String? = { argv, environment in
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    for fd in [0, 1, 2] { posix_spawn_file_actions_addopen(&actions, Int32(fd), "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0) }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    // The viewer starts with no signal blocked and every signal at its default. It would otherwise
    // inherit the spawning thread's mask (task threads block SIGCHLD, SIGTERM, SIGINT, …: a player
    // that cannot be stopped with SIGTERM, a shell script whose `wait` never hears of its child) and
    // the studio's ignored SIGPIPE.
    var empty = sigset_t()
    sigemptyset(&empty)
    posix_spawnattr_setsigmask(&attributes, &empty)
    var all = sigset_t()
    sigfillset(&all)
    posix_spawnattr_setsigdefault(&attributes, &all)
    // POSIX_SPAWN_SETSID (glibc 2.26+) is hidden behind _GNU_SOURCE, so Swift sees no name for it.
    posix_spawnattr_setflags(&attributes, Int16(0x80 | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    let cArguments = argv.map { strdup($0) } + [nil]
    let cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      cArguments.forEach { free($0) }
      cEnvironment.forEach { free($0) }
    }
    var pid: pid_t = 0
    var result = posix_spawn(&pid, argv[0], &actions, &attributes, cArguments, cEnvironment)
    // ETXTBSY is transient: another thread's fork can briefly hold a just-written script open.
    var attempts = 1
    while result == ETXTBSY, attempts < 20 {
      usleep(10_000)
      attempts += 1
      result = posix_spawn(&pid, argv[0], &actions, &attributes, cArguments, cEnvironment)
    }
    guard result == 0 else { return String(cString: strerror(result)) }
    // xdg-open hands the file to a viewer and exits; reap it so no zombie is left.
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    let exited = status & 0x7F == 0
    let code = (status >> 8) & 0xFF
    return exited && code == 0 ? nil : "exit status \(code)"
  }
}
