/// Input as the pure UI sees it: the terminal backend turns ncurses codes into these, so that only
/// the backend knows `KEY_LEFT == 260`.
public enum Key: Sendable, Hashable {
  case character(Character)
  /// Ctrl plus a letter (`ctrl("p")` for Ctrl-P); Ctrl-I, -M and -[ arrive as tab, enter, escape.
  case ctrl(Character)
  /// Alt (Meta) plus a key, as ESC-prefixed sequences arrive.
  case alt(Character)
  case enter
  case tab
  case backTab
  case backspace
  case delete
  case escape
  case up, down, left, right
  case home, end, pageUp, pageDown
  case insert
  case function(Int)
  /// Word motions: Ctrl/Alt with arrows, as terminals report them.
  case wordLeft, wordRight
  /// A bracketed paste: the whole text at once (newlines kept), never interpreted as keys.
  case paste(String)
}

public struct MouseEvent: Sendable, Hashable {
  public enum Kind: Sendable, Hashable {
    case press
    case release
    case scrollUp
    case scrollDown
  }

  public var kind: Kind
  public var x: Int
  public var y: Int

  public init(kind: Kind, x: Int, y: Int) {
    self.kind = kind
    self.x = x
    self.y = y
  }
}

/// Everything the terminal reports.
public enum TerminalEvent: Sendable, Hashable {
  case key(Key)
  case mouse(MouseEvent)
  case resized(width: Int, height: Int)
  /// Focus reporting: the user switched to or away from the terminal (for notifications).
  case focus(Bool)
}
