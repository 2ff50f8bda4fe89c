import TerminalScreen

/// What the studio's loop needs from a terminal: the ncurses backend in the studio, a scripted
/// fake in the tests. Lives on the UI thread with the loop (not Sendable).
public protocol StudioTerminal: AnyObject {
  var size: (width: Int, height: Int) { get }
  /// How many colours the terminal shows; themes are reduced to it.
  var colorDepth: ColorDepth { get }
  func draw(_ grid: ScreenGrid)
  func setTheme(_ theme: Theme)
  /// Sleeps until something happens (input, a wake-up, a signal) or `timeout` passes (nil: no
  /// timeout), and returns what did, in order.
  func next(timeout: Duration?) -> [StudioTerminalEvent]
  /// Writes an escape sequence the studio sends on purpose (clipboard, notification, bell).
  func send(escape sequence: String)
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
