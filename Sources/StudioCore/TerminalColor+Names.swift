import TerminalScreen

/// How theme files spell colours that are not from their palette.
extension TerminalColor {
  /// The eight ANSI colour names; `bright-<name>` adds 8.
  public static let ansiNames = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

  /// Every name `init(themeName:)` accepts, for "did you mean" hints.
  public static var knownNames: [String] {
    ["default", "reset", "gray", "grey"] + ansiNames + ansiNames.map { "bright-" + $0 }
      + ansiNames.map { "light-" + $0 }
  }

  /// A colour by name: `default`/`reset` (the terminal's own), the ANSI names (`red`,
  /// `bright-blue`, also `light-blue` as helix writes it, `gray` for bright black).
  ///
  /// ANSI names become `.ansi` so the colour follows the user's terminal palette.
  public init?(themeName: String) {
    let name = themeName.lowercased()
    switch name {
    case "default", "reset":
      self = .default
      return
    case "gray", "grey":
      self = .ansi(8)
      return
    default:
      break
    }
    for prefix in ["bright-", "light-", "bright_", "light_"] where name.hasPrefix(prefix) {
      guard let index = Self.ansiNames.firstIndex(of: String(name.dropFirst(prefix.count))) else { return nil }
      self = .ansi(UInt8(index + 8))
      return
    }
    guard let index = Self.ansiNames.firstIndex(of: name) else { return nil }
    self = .ansi(UInt8(index))
  }

  /// `#rrggbb` or `#rgb` (case-insensitive); nil for anything else.
  public init?(hex: String) {
    guard hex.hasPrefix("#") else { return nil }
    let digits = Array(hex.dropFirst())
    guard digits.allSatisfy(\.isHexDigit) else { return nil }
    let expanded: [Character]
    switch digits.count {
    case 6: expanded = digits
    case 3: expanded = digits.flatMap { [$0, $0] }
    default: return nil
    }
    func component(_ at: Int) -> UInt8 { UInt8(String(expanded[at..<at + 2]), radix: 16) ?? 0 }
    self = .rgb(component(0), component(2), component(4))
  }

  /// The colour as a theme file would write it (used by messages and test failures).
  public var themeSpelling: String {
    switch self {
    case .default: "default"
    case .ansi(let index) where index < 8: Self.ansiNames[Int(index)]
    case .ansi(let index) where index < 16: "bright-" + Self.ansiNames[Int(index) - 8]
    case .ansi(let index): "ansi(\(index))"
    case .indexed(let index): String(index)
    case .rgb(let red, let green, let blue):
      "#"
        + [red, green, blue].map {
          let text = String($0, radix: 16)
          return $0 < 16 ? "0" + text : text
        }.joined()
    }
  }
}
