import TerminalScreen

/// The tmux the studio runs inside (`$TMUX` is set), driven through its own command line.
///
/// tmux stands between the studio and the terminal the user looks at, and by default it keeps
/// escape sequences to itself: a plain OSC 52 is ignored under the default `set-clipboard
/// external`, and since 3.3 a sequence wrapped in its DCS passthrough is dropped unless
/// `allow-passthrough` is on. So the clipboard goes through tmux itself (`load-buffer -w`: a tmux
/// buffer, and under `external` the outer terminal's clipboard too), and whether passthrough works
/// is asked, not assumed.
///
/// Every method runs a `tmux` client to its end and blocks: call them on a thread of their own
/// (``OuterTerminal`` does). The client finds the server from `$TMUX` in ``environment``.
public struct Tmux: Sendable, Hashable {
  /// The environment the client runs with (it must hold `TMUX`; the studio's has no key in it).
  public var environment: [String: String]
  /// The studio's pane (`$TMUX_PANE`), the target of the questions and messages; tmux's current
  /// pane when unknown.
  public var pane: String?

  /// nil outside tmux (`TMUX` unset or empty).
  public init?(environment: [String: String]) {
    guard let socket = environment["TMUX"], !socket.isEmpty else { return nil }
    self.environment = environment
    pane = environment["TMUX_PANE"].flatMap { $0.isEmpty ? nil : $0 }
  }

  /// Why a tmux command did not do its job, in words for the user.
  public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
  }

  /// Puts `text` into a new tmux buffer and asks tmux to pass it on to the outer terminal's
  /// clipboard (`load-buffer -w -`, tmux 3.2 and later).
  public func loadBuffer(_ text: String) throws(Failure) {
    try run(["load-buffer", "-w", "-"], input: Array(text.utf8))
  }

  /// Whether tmux forwards DCS-wrapped sequences from the studio's pane: its `allow-passthrough`
  /// as that pane sees it (the pane's own value, else the window's, else the global one; `on`, or
  /// `all` in tmux 3.4). False when tmux cannot be asked.
  public func allowsPassthrough() -> Bool {
    guard let value = try? run(["display-message", "-p"] + target + ["#{allow-passthrough}"]) else { return false }
    return Self.isOn(value)
  }

  /// Shows `text` in tmux's status line for a few seconds (`display-message`), as one line.
  public func displayMessage(_ text: String, milliseconds: Int = 5000) throws(Failure) {
    try run(["display-message", "-d", "\(milliseconds)"] + target + [Self.literal(text)])
  }

  /// `text` as a `display-message` argument that shows as itself: one line, with tmux's `#`
  /// formats and styles and strftime's `%` made literal (a prompt may hold either).
  static func literal(_ text: String) -> String {
    TerminalText.sanitizedLine(text).replacing("#", with: "##").replacing("%", with: "%%")
  }

  /// A format's value for a boolean or choice option: "1"/"on" (3.3), "1"/"2" for on/all (3.4).
  static func isOn(_ value: String) -> Bool {
    let trimmed = value.filter { !$0.isWhitespace }
    return !["", "0", "off"].contains(trimmed)
  }

  private var target: [String] { pane.map { ["-t", $0] } ?? [] }

  @discardableResult
  private func run(_ arguments: [String], input: [UInt8] = []) throws(Failure) -> String {
    guard let executable = ChildProcess.find("tmux", environment: environment) else {
      throw Failure(description: "tmux is not on PATH")
    }
    let exit = ChildProcess(executable: executable, arguments: arguments, environment: environment).run(input: input)
    if let error = exit.spawnError { throw Failure(description: "cannot start tmux: \(error)") }
    guard exit.succeeded else {
      let said = TerminalText.sanitizedLine(exit.output.split(separator: "\n").first ?? "")
      let status = exit.status.map { "exit status \($0)" } ?? "killed by a signal"
      throw Failure(description: "tmux \(arguments[0]) failed (\(said.isEmpty ? status : said))")
    }
    return exit.output
  }
}
