import TerminalScreen

/// The `?` screen: every binding of the ``KeyMap``, grouped by where it applies. Generated from
/// the table itself, so a new key shows up here the moment it is bound.
public enum HelpOverlay {
  public struct Line: Sendable, Hashable {
    public var keys: String
    public var text: String
    public var isHeading: Bool
  }

  public static let lines: [Line] = {
    var lines: [Line] = [
      Line(keys: "", text: "Modes (shown at the left of the status bar)", isHeading: true),
      Line(keys: "NORMAL", text: "Keys are commands; the studio starts here", isHeading: false),
      Line(keys: "EDIT", text: "Keys type; entered with Enter, i or /; Esc leaves", isHeading: false),
    ]
    let order: [KeyContext] = [
      .global, .navigation, .form, .editor, .queue, .history, .detail, .compare, .playback, .messages, .palette, .help,
      .dialog,
    ]
    for context in order {
      lines.append(Line(keys: "", text: context.title, isHeading: true))
      var commands: [Command] = []
      var keys: [Command: [String]] = [:]
      for binding in KeyMap.bindings where binding.context == context {
        if keys[binding.command] == nil { commands.append(binding.command) }
        keys[binding.command, default: []].append(KeyMap.name(of: binding.key))
      }
      for command in commands {
        lines.append(
          Line(keys: keys[command, default: []].joined(separator: " "), text: command.title, isHeading: false))
      }
    }
    lines.append(Line(keys: "", text: "Terminal and mouse", isHeading: true))
    lines.append(Line(keys: "Ctrl-Z", text: "Suspend to the shell (fg comes back)", isHeading: false))
    lines.append(Line(keys: "click", text: "Focus a pane, a field or a row", isHeading: false))
    lines.append(Line(keys: "wheel", text: "Scroll the list or log under the pointer", isHeading: false))
    return lines
  }()

  /// The same lines as Markdown, for README's key list (a test keeps the two equal).
  public static var markdown: String {
    var out: [String] = []
    for line in lines {
      if line.isHeading {
        if !out.isEmpty { out.append("") }
        out.append("**\(line.text)**")
        out.append("")
        out.append("| keys | does |")
        out.append("|---|---|")
      } else {
        let keys = line.keys.split(separator: " ").map { "`\($0)`" }.joined(separator: " ")
        out.append("| \(keys) | \(line.text.replacing("|", with: "\\|")) |")
      }
    }
    return out.joined(separator: "\n")
  }

  public static var lineCount: Int { lines.count }

  public static func draw(_ grid: inout ScreenGrid, scroll: Int) {
    let rect = Rect(x: 2, y: 1, width: grid.width - 4, height: grid.height - 3)
    Box.overlay(&grid, rect, title: "Help — every key (Esc closes)")
    let inner = rect.inset(by: 1)
    let keyWidth = min(22, inner.width / 3)
    let start = min(scroll, max(0, lines.count - inner.height))
    for (row, line) in lines.dropFirst(start).prefix(inner.height).enumerated() {
      let y = inner.y + row
      if line.isHeading {
        grid.put(line.text, x: inner.x, y: y, role: .title, maxWidth: inner.width)
      } else {
        grid.put(Box.fit(line.keys, keyWidth), x: inner.x + 1, y: y, role: .key)
        grid.put(line.text, x: inner.x + 2 + keyWidth, y: y, role: .overlay, maxWidth: inner.width - keyWidth - 2)
      }
    }
    if start + inner.height < lines.count {
      grid.put(" ↓ more (j/PgDn) ", x: rect.maxX - 19, y: rect.maxY - 1, role: .accent)
    }
  }
}
