import TerminalScreen

/// One thing `get_wch` returned, before interpretation: the decoder's input.
///
/// Keeping this separate from ncurses lets the escape/Alt, paste and focus logic be tested
/// without a terminal.
enum RawInput: Sendable, Hashable {
  /// `get_wch` returned `OK`: a Unicode code point (or a control byte).
  case character(UInt32)
  /// `get_wch` returned `KEY_CODE_YES`: an ncurses key code (`KEY_LEFT`, …).
  case keyCode(Int32)
  /// Already decoded by the terminal (mouse via `getmouse`, resize): passed through in order.
  case event(TerminalEvent)
}
