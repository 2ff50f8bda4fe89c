import CNcursesw

#if canImport(Glibc)
  import Glibc
#endif

/// Turns asynchronous signals into bytes on a non-blocking self-pipe the UI loop polls.
///
/// The C handler (in the shim) only `write`s the signal number, which is async-signal-safe; all
/// real work (restoring the terminal, stopping, resizing) happens later on the UI thread in
/// ``TerminalLoop``. It is installed *before* `newterm`, and ncurses leaves non-default handlers
/// alone, so these signals have exactly one owner: SIGWINCH reaches us as a pipe byte (the loop
/// calls `resize_term`), never as ncurses' own `KEY_RESIZE`.
///
/// Owned by ``CursesTerminal`` on the UI thread. Only one can be installed per process (the handler
/// has one pipe slot). All calls to the shim's signal functions live in this file on purpose:
/// they keep `static` state, and each object file gets its own copy.
final class SignalPipe {
  /// The signals the studio handles itself.
  static let handled: [Int32] = [SIGWINCH, SIGTSTP, SIGCONT, SIGINT, SIGTERM, SIGHUP]

  let fileDescriptor: Int32
  private let writeEnd: Int32
  private var installed = false

  init() throws(TerminalError) {
    (fileDescriptor, writeEnd) = try WakeSignal.nonBlockingPipe()
  }

  deinit {
    uninstall()
    close(fileDescriptor)
    close(writeEnd)
  }

  /// Routes the handled signals into the pipe.
  func install() {
    guard !installed else { return }
    cncursesw_signal_set_fd(writeEnd)
    for signal in Self.handled { _ = cncursesw_signal_install(signal, 1) }
    installed = true
  }

  /// Puts back the handlers that were there before ``install()``.
  func uninstall() {
    guard installed else { return }
    for signal in Self.handled { _ = cncursesw_signal_restore(signal) }
    cncursesw_signal_set_fd(-1)
    installed = false
  }

  /// The signals that arrived since the last call, in order (duplicates kept).
  func drain() -> [Int32] {
    var signals: [Int32] = []
    var buffer = [UInt8](repeating: 0, count: 64)
    while true {
      let count = read(fileDescriptor, &buffer, buffer.count)
      if count > 0 {
        signals += buffer[0..<count].map { Int32($0) }
        continue
      }
      if count < 0 && errno == EINTR { continue }
      return signals
    }
  }

  /// Really stops the process, as SIGTSTP would have without us; returns after SIGCONT.
  ///
  /// The terminal must already be restored (``CursesTerminal/suspend()``): the shell takes it over
  /// while we are stopped.
  func stopProcess() {
    _ = cncursesw_signal_default(SIGTSTP)
    _ = cncursesw_signal_unblock(SIGTSTP)
    _ = raise(SIGTSTP)
    // Continued: take SIGTSTP back.
    if installed { _ = cncursesw_signal_install(SIGTSTP, 0) }
  }
}
