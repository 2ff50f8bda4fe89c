import TerminalScreen

/// What the studio's loop needs from a terminal: the ncurses backend in the studio, a scripted
/// fake in the tests. Lives on the UI thread with the loop (not Sendable).
public protocol StudioTerminal: AnyObject {
  var size: (width: Int, height: Int) { get }
  func draw(_ grid: ScreenGrid)
  /// Draws with `theme` from now on, reduced to the colours the terminal has.
  func setTheme(_ theme: Theme)
  /// Sends every cell again (Ctrl-L): whatever another program wrote over the screen goes.
  func repaintAll()
  /// Sleeps until something happens (input, a wake-up, a signal) or `timeout` passes (nil: no
  /// timeout), and returns what did, in order.
  func next(timeout: Duration?) -> [StudioTerminalEvent]
  /// Gives the terminal back as the studio found it.
  func shutdown()
}

/// What one turn of ``StudioTerminal/next(timeout:)`` produced.
public enum StudioTerminalEvent: Sendable, Hashable {
  /// A key, mouse, resize or focus report.
  case terminal(TerminalEvent)
  /// A ``LoopWaker/wake()``: drain the inbox.
  case woken
  /// Ctrl-C as a signal: asks first while jobs run, as Ctrl-Q does.
  case interrupted
  /// SIGTERM, SIGHUP, a closed ssh connection: leave now; running jobs resume on the next start.
  case terminated
  /// The screen was repainted behind the loop's back (back from Ctrl-Z): draw the next frame whole.
  case repainted
  /// The timeout passed (a visible clock's tick).
  case timeout
}

/// The terminal the user looks at, directly or beyond tmux: what the studio copies to the
/// clipboard, the desktop notices, the bell. The terminal side (``StudioTerminal``'s backend) owns
/// the escape sequences and tmux; the runtime only says what to send and reports what came of it.
public protocol OuterTerminalLink: Sendable {
  /// Copies `text` to the user's clipboard; returns the phrase for the user, naming it `what`.
  func copy(_ text: String, describedAs what: String) async -> String
  /// Copies a URL to the user's clipboard; returns the note for the user (the URL itself when it
  /// was not copied).
  func copy(url: String) async -> String
  /// A desktop notice; `ring` also rings the bell where the notice cannot reach the desktop.
  func notify(title: String, body: String, ring: Bool) async
  func bell()
}
