/// A colour as a theme file names it.
public enum TerminalColor: Sendable, Hashable {
  /// The terminal's own foreground or background: follows the user's terminal scheme.
  case `default`
  /// One of the 16 ANSI colours (0–7 normal, 8–15 bright): follows the terminal's palette.
  case ansi(UInt8)
  /// One of the 256 xterm colours.
  case indexed(UInt8)
  case rgb(UInt8, UInt8, UInt8)
}

public struct TextAttributes: OptionSet, Sendable, Hashable {
  public let rawValue: UInt8
  public init(rawValue: UInt8) { self.rawValue = rawValue }

  public static let bold = TextAttributes(rawValue: 1 << 0)
  public static let dim = TextAttributes(rawValue: 1 << 1)
  public static let italic = TextAttributes(rawValue: 1 << 2)
  public static let underline = TextAttributes(rawValue: 1 << 3)
  public static let reverse = TextAttributes(rawValue: 1 << 4)
}

/// How one role looks.
public struct RoleStyle: Sendable, Hashable {
  public var foreground: TerminalColor
  public var background: TerminalColor
  public var attributes: TextAttributes

  public init(
    foreground: TerminalColor = .default, background: TerminalColor = .default, attributes: TextAttributes = []
  ) {
    self.foreground = foreground
    self.background = background
    self.attributes = attributes
  }
}

/// How many colours the terminal can show; themes are reduced to it before drawing.
public enum ColorDepth: Int, Sendable, Hashable, Comparable, CaseIterable {
  /// No colour at all (`NO_COLOR`, or a terminal without colours): attributes only.
  case monochrome
  case ansi16
  case indexed256
  case truecolor

  public static func < (lhs: ColorDepth, rhs: ColorDepth) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A colour theme: a style for every role.
public struct Theme: Sendable, Hashable {
  public var name: String
  public var styles: [StyleRole: RoleStyle]

  public init(name: String, styles: [StyleRole: RoleStyle]) {
    self.name = name
    self.styles = styles
  }

  /// The style of `role`, falling back to `normal` for roles a theme leaves out.
  public func style(for role: StyleRole) -> RoleStyle {
    styles[role] ?? styles[.normal] ?? RoleStyle()
  }
}
