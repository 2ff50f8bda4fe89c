/// The colours of one picture cell: a block symbol's ink and the paper behind it.
///
/// Colours stay as the renderer chose them (RGB for a truecolor rendering, palette indices for a
/// 256- or 16-colour one); ``ColorPlanner/plan(_:depth:colors:)`` reduces them to what the terminal
/// shows, like a theme's.
public struct CellColors: Sendable, Hashable {
  public var foreground: TerminalColor
  public var background: TerminalColor

  public init(foreground: TerminalColor, background: TerminalColor) {
    self.foreground = foreground
    self.background = background
  }
}

extension TerminalColor {
  /// The colour as short stable text (`#rrggbb`, `idx:N` for the 256 colours, `ansi:N`,
  /// `default`): what snapshot dumps show.
  public var notation: String {
    switch self {
    case .default: "default"
    case .ansi(let index): "ansi:\(index)"
    case .indexed(let index): "idx:\(index)"
    case .rgb(let r, let g, let b):
      "#"
        + [r, g, b].map { byte in
          let hex = String(byte, radix: 16)
          return hex.count == 1 ? "0" + hex : hex
        }.joined()
    }
  }
}
