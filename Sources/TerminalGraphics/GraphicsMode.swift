/// How pictures reach the terminal: one of three pixel protocols, Unicode block symbols drawn as
/// coloured cells, or not at all.
public enum GraphicsMode: String, Sendable, Hashable, CaseIterable {
  /// The kitty graphics protocol (kitty, WezTerm, Ghostty, Konsole).
  case kitty
  /// iTerm2's inline images (`OSC 1337 ; File=`).
  case iterm
  /// DEC sixel (foot, WezTerm, xterm `-ti vt340`, mlterm, Windows Terminal).
  case sixel
  /// Half blocks and quadrants in colour, through the screen model: works everywhere, tmux included.
  case symbols
  /// No pictures: previews show a one-line placeholder.
  case none

  /// Whether pictures are written as pixel escapes beside the screen rather than as cells in it.
  public var isPixelProtocol: Bool { self == .kitty || self == .iterm || self == .sixel }
}

/// What the user asked for: `auto` (detect) or one mode, from `--graphics` or config's `graphics`.
public enum GraphicsChoice: Sendable, Hashable {
  case auto
  case forced(GraphicsMode)

  /// `auto`, `kitty`, `iterm`, `sixel`, `symbols` or `none` (case-insensitive); nil for anything else.
  public init?(_ text: String) {
    let name = text.lowercased()
    if name == "auto" {
      self = .auto
    } else if let mode = GraphicsMode(rawValue: name) {
      self = .forced(mode)
    } else {
      return nil
    }
  }

  /// Every spelling ``init(_:)`` accepts, for messages.
  public static let names = ["auto"] + GraphicsMode.allCases.map(\.rawValue)
}
