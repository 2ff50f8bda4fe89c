import TerminalScreen

extension ColorDepth {
  /// How many colours to use, from the environment and the terminal's own colour count.
  ///
  /// Pure, so every row of the decision is a test case. In order:
  /// 1. `NO_COLOR` set and non-empty (no-color.org) → monochrome, whatever the terminal can do;
  /// 2. `TERM=dumb` → monochrome;
  /// 3. `COLORTERM=truecolor` or `24bit` → truecolor (terminals say so there, terminfo rarely does);
  /// 4. `colors` (terminfo's count, from ncurses): ≥ 2²⁴ → truecolor, ≥ 256 → 256, ≥ 8 → 16, else none;
  /// 5. without a count (not under ncurses): a `TERM` naming `256color` → 256, `direct` → truecolor,
  ///    any other `TERM` → 16, no `TERM` → monochrome.
  public static func detect(environment: [String: String], colors: Int? = nil) -> ColorDepth {
    if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return .monochrome }
    let term = environment["TERM"] ?? ""
    if term == "dumb" { return .monochrome }
    if let colorTerm = environment["COLORTERM"]?.lowercased(), colorTerm == "truecolor" || colorTerm == "24bit" {
      return .truecolor
    }
    if let colors {
      if colors >= 1 << 24 { return .truecolor }
      if colors >= 256 { return .indexed256 }
      if colors >= 8 { return .ansi16 }
      return .monochrome
    }
    if term.isEmpty { return .monochrome }
    if term.contains("direct") { return .truecolor }
    if term.contains("256color") { return .indexed256 }
    return .ansi16
  }
}
