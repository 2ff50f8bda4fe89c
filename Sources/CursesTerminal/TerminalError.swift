/// Why the terminal could not be opened or driven.
///
/// Each case carries what the user needs to fix it; ``description`` is the message to print after
/// the terminal has been restored (never while curses owns the screen).
public enum TerminalError: Error, Equatable, Sendable, CustomStringConvertible {
  /// Neither `/dev/tty` nor stdin/stdout is a terminal (a script, a pipe, a cron job).
  case notATerminal
  /// The locale's character set is not UTF-8 and `C.UTF-8` is missing too: ncursesw would print
  /// byte garbage and never deliver typed non-ASCII keys.
  case locale(codeset: String)
  /// ncurses refused to start (unknown `TERM`, a second terminal in one process, …).
  case initialisation(String)
  /// A system call failed (`pipe`, `open`, …) with `errno`.
  case system(call: String, errno: Int32)

  public var description: String {
    switch self {
    case .notATerminal:
      "magi-studio's studio needs a terminal; use the subcommands (magi-studio --help) in scripts"
    case .locale(let codeset):
      "the studio needs a UTF-8 locale (the current character set is \(codeset)); "
        + "set LANG=C.UTF-8 or another UTF-8 locale"
    case .initialisation(let reason):
      "could not start the terminal interface: \(reason)"
    case .system(let call, let errno):
      "\(call) failed (errno \(errno))"
    }
  }
}
