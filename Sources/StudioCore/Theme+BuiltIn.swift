import TerminalScreen

extension Theme {
  /// The default theme, compiled in so the studio has colours even when no `themes/` folder is
  /// found or every theme file is broken.
  ///
  /// It is `themes/dark.toml` written out in Swift; a test parses the file and compares, so the two
  /// cannot drift apart. Change both together.
  public static let dark: Theme = {
    let text = TerminalColor.rgb(0xE6, 0xE9, 0xEF)
    let subtext = TerminalColor.rgb(0xA6, 0xAD, 0xC8)
    let muted = TerminalColor.rgb(0x8B, 0x90, 0xA8)
    let line = TerminalColor.rgb(0x58, 0x5B, 0x70)
    let surface = TerminalColor.rgb(0x31, 0x32, 0x44)
    let highlight = TerminalColor.rgb(0x45, 0x47, 0x5A)
    let base = TerminalColor.rgb(0x1E, 0x1E, 0x2E)
    let crust = TerminalColor.rgb(0x11, 0x11, 0x1B)
    let blue = TerminalColor.rgb(0x89, 0xB4, 0xFA)
    let lavender = TerminalColor.rgb(0xB4, 0xBE, 0xFE)
    let teal = TerminalColor.rgb(0x94, 0xE2, 0xD5)
    let green = TerminalColor.rgb(0xA6, 0xE3, 0xA1)
    let yellow = TerminalColor.rgb(0xF9, 0xE2, 0xAF)
    let peach = TerminalColor.rgb(0xFA, 0xB3, 0x87)
    let red = TerminalColor.rgb(0xF3, 0x8B, 0xA8)
    let mauve = TerminalColor.rgb(0xCB, 0xA6, 0xF7)
    func fg(_ color: TerminalColor, _ attributes: TextAttributes = []) -> RoleStyle {
      RoleStyle(foreground: color, attributes: attributes)
    }
    func on(_ foreground: TerminalColor, _ background: TerminalColor, _ attributes: TextAttributes = []) -> RoleStyle {
      RoleStyle(foreground: foreground, background: background, attributes: attributes)
    }
    return Theme(
      name: "dark",
      styles: [
        .normal: RoleStyle(),
        .dim: fg(muted),
        .title: fg(lavender, .bold),
        .border: fg(line),
        .borderFocused: fg(blue, .bold),
        .selection: on(text, highlight, .bold),
        .label: fg(subtext),
        .input: fg(text),
        .inputFocused: on(text, surface, .bold),
        .placeholder: fg(muted, .italic),
        .cursor: on(base, lavender),
        .error: fg(red, .bold),
        .warning: fg(yellow),
        .success: fg(green),
        .accent: fg(mauve),
        .key: fg(peach, .bold),
        .statusBar: on(text, surface),
        .badgeOnline: on(base, green, .bold),
        .badgeOffline: on(base, peach, .bold),
        .progressDone: fg(blue),
        .progressTodo: fg(line),
        .queued: fg(subtext),
        .running: fg(teal, .bold),
        .completed: fg(green),
        .failed: fg(red, .bold),
        .logTime: fg(muted),
        .overlay: on(text, crust),
      ])
  }()
}
