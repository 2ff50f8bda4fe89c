import TerminalScreen

/// What one turn of ``TerminalLoop/next(timeout:)`` produced, in order.
public enum LoopEvent: Sendable, Hashable {
  /// A key, mouse, resize or focus report.
  case terminal(TerminalEvent)
  /// Another thread called ``WakeSignal/wake()`` (already drained): drain the app's inbox.
  case woken
  /// SIGINT, SIGTERM or SIGHUP (or the terminal hung up): restore the terminal
  /// (``CursesTerminal/shutdown()``) and exit cleanly; jobs keep running on fal and resume next start.
  case quitRequested(signal: Int32)
  /// Back from a stop (Ctrl-Z then `fg`, or SIGCONT): the last grid was repainted from scratch.
  case resumed
  /// The timeout the app asked for passed (a visible clock's tick).
  case timeout
}
