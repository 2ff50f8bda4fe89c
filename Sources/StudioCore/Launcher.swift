import ChildSpawn
import FalClient

#if canImport(Glibc)
  import Glibc
#endif

/// Opens a finished video the way that helps where the studio runs.
///
/// With a graphical session it spawns `xdg-open` directly (an argv, never a shell: a file name or
/// URL is never interpreted), with an environment that holds no `FAL_KEY*`: the viewer it starts
/// has no business with the key. Over ssh with no display there is nothing local to open, so it
/// reports the path, the URL to put on the user's clipboard and the `scp` command that fetches the
/// file. Only http(s) URLs and files inside the studio's own directories are ever opened.
///
/// It produces no terminal escapes: copying the URL (OSC 52, tmux) and links (OSC 8) are the
/// terminal side's (`CursesTerminal`), which knows where its output lands.
public struct Launcher: Sendable {
  /// What the launcher did.
  public enum Outcome: Sendable, Hashable {
    case openedFile(String)
    case openedURL(String)
    /// Nothing was opened; the report says why and what the user can do instead.
    case notOpened(Report)

    /// One line that explains it; a URL to copy is given in words (see ``Report/message(url:)``).
    public var message: String {
      switch self {
      case .openedFile(let argument), .openedURL(let argument): "opened \(argument) with xdg-open"
      case .notOpened(let report): report.message()
      }
    }
  }

  /// Why nothing was opened, and the ways to the video that remain.
  public struct Report: Sendable, Hashable {
    public var reason: String
    /// The local file (inside the studio's directories).
    public var file: String?
    /// The video's http(s) URL: the caller puts it on the user's clipboard, or prints it.
    public var copyURL: String?
    /// Over ssh: the command that fetches the file to the user's own machine.
    public var scpHint: String?

    public init(reason: String, file: String? = nil, copyURL: String? = nil, scpHint: String? = nil) {
      self.reason = reason
      self.file = file
      self.copyURL = copyURL
      self.scpHint = scpHint
    }

    /// The whole report as one line. `url` says what became of ``copyURL`` ("asked your terminal
    /// to copy the URL (OSC 52)"); nil gives the URL itself.
    public func message(url: String? = nil) -> String {
      var parts: [String] = []
      if let file { parts.append("file: \(file)") }
      if let copyURL { parts.append(url ?? "URL: \(copyURL)") }
      if let scpHint { parts.append("fetch it with: \(scpHint)") }
      return parts.isEmpty ? reason : "\(reason): " + parts.joined(separator: "; ")
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
  /// Starts a program; replaced in tests. Returns an error text on failure.
  public var spawn: @Sendable ([String], [String: String]) -> String?

  public init(
    environment: [String: String], allowedDirectories: [String],
    spawn: @escaping @Sendable ([String], [String: String]) -> String? = Launcher.spawnDetached
  ) {
    self.environment = environment
    self.allowedDirectories = allowedDirectories.map(Self.canonicalPath)
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
      guard access(real, R_OK) == 0, allowedDirectories.contains(where: { real.hasPrefix($0 + "/") }) else {
        return nil
      }
      return real
    }
    let url = target.url.flatMap { url -> String? in
      let lower = url.lowercased()
      return lower.hasPrefix("https://") || lower.hasPrefix("http://") ? url : nil
    }
    if target.localPath != nil, file == nil, target.url == nil {
      return .notOpened(
        Report(reason: "not opening \(target.localPath ?? ""): it is missing or outside the studio's directories"))
    }
    guard file != nil || url != nil else {
      return .notOpened(Report(reason: "nothing to open: no local copy and no http(s) URL"))
    }
    if hasDisplay, let xdgOpen = xdgOpenPath {
      let argument = file ?? url ?? ""
      if let failure = spawn([xdgOpen, argument], Credentials.scrubbed(environment)) {
        return report(file: file, url: url, reason: "xdg-open failed (\(failure))")
      }
      return file != nil ? .openedFile(argument) : .openedURL(argument)
    }
    let reason =
      isSSH ? "over ssh with no display" : hasDisplay ? "xdg-open is not installed" : "no graphical display"
    return report(file: file, url: url, reason: reason)
  }

  private func report(file: String?, url: String?, reason: String) -> Outcome {
    let scp = file.flatMap { isSSH ? "scp \(Self.hostName()):\($0) ." : nil }
    return .notOpened(Report(reason: reason, file: file, copyURL: url, scpHint: scp))
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
    var pid: pid_t = 0
    // ETXTBSY is transient: another thread's fork can briefly hold a just-written script open.
    for attempt in 1...20 {
      do throws(SpawnFailure) {
        pid = try ChildSpawn.start(argv, environment: environment, newSession: true)
        break
      } catch {
        guard error.code == ETXTBSY, attempt < 20 else { return error.description }
        usleep(10_000)
      }
    }
    // xdg-open hands the file to a viewer and exits; reap it so no zombie is left.
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    let exited = status & 0x7F == 0
    let code = (status >> 8) & 0xFF
    return exited && code == 0 ? nil : "exit status \(code)"
  }
}
