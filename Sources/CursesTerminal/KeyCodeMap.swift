import CNcursesw
import TerminalScreen

/// The table from ncurses' codes to ``Key``: the one place that knows `KEY_LEFT == 260`.
///
/// Pure (no terminal needed), so the tests check it against the numbers in `curses.h`.
enum KeyCodeMap {
  /// The key for a code point `get_wch` returned with `OK`, or nil for bytes that mean nothing
  /// on their own (C1 controls, ESC, which the decoder handles).
  static func key(forCharacter value: UInt32) -> Key? {
    switch value {
    case 8, 127: return .backspace
    case 9: return .tab
    case 10, 13: return .enter
    case 27: return .escape
    case 0: return .ctrl(" ")
    case 1...26: return .ctrl(Character(Unicode.Scalar(UInt8(value) + 0x60)))
    case 28...31: return .ctrl(Character(Unicode.Scalar(UInt8(value) + 0x40)))
    case 0x80...0x9F: return nil
    default:
      guard let scalar = Unicode.Scalar(value) else { return nil }
      return .character(Character(scalar))
    }
  }

  /// The key for an ncurses key code (`KEY_CODE_YES`), or nil for keys the studio ignores.
  ///
  /// - Parameter extras: codes ncurses assigned at run time to terminfo's extended keys
  ///   (`kLFT5` = Ctrl-Left, …), looked up by ``CursesTerminal`` with `key_defined`.
  static func key(forKeyCode code: Int32, extras: [Int32: Key] = [:]) -> Key? {
    switch code {
    case KEY_UP: return .up
    case KEY_DOWN: return .down
    case KEY_LEFT, KEY_SLEFT: return .left
    case KEY_RIGHT, KEY_SRIGHT: return .right
    case KEY_HOME, KEY_FIND, KEY_SHOME: return .home
    case KEY_END, KEY_SELECT, KEY_SEND: return .end
    case KEY_PPAGE: return .pageUp
    case KEY_NPAGE: return .pageDown
    case KEY_BACKSPACE: return .backspace
    case KEY_DC: return .delete
    case KEY_IC: return .insert
    case KEY_ENTER: return .enter
    case KEY_BTAB: return .backTab
    case cncursesw_key_f(1)...cncursesw_key_f(24): return .function(Int(code - cncursesw_key_f(0)))
    default: return extras[code]
    }
  }

  /// Terminfo's extended key names the studio maps, with their meaning.
  static let extendedKeyNames: [(name: String, key: Key)] = [
    ("kLFT5", .wordLeft), ("kRIT5", .wordRight),  // Ctrl-Left/Right
    ("kLFT3", .wordLeft), ("kRIT3", .wordRight),  // Alt-Left/Right
    ("kUP5", .up), ("kDN5", .down), ("kHOM5", .home), ("kEND5", .end), ("kDC5", .delete),
  ]
}
