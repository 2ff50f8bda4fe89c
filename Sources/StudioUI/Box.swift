import TerminalScreen

/// Frames and simple blocks drawn into a grid: the panes, overlays and dialogs all use these.
public enum Box {
  /// A framed box with its title in the top edge; focus shows in the frame's role, not only in
  /// colour (the title gets markers too, for monochrome terminals).
  public static func draw(_ grid: inout ScreenGrid, _ rect: Rect, title: String, focused: Bool, badge: String? = nil) {
    guard rect.width >= 2, rect.height >= 2 else { return }
    let role: StyleRole = focused ? .borderFocused : .border
    grid.fill(rect.inset(by: 1), role: .normal)
    let horizontal = String(repeating: "─", count: rect.width - 2)
    grid.put("┌" + horizontal + "┐", x: rect.x, y: rect.y, role: role)
    grid.put("└" + horizontal + "┘", x: rect.x, y: rect.maxY - 1, role: role)
    for y in (rect.y + 1)..<(rect.maxY - 1) {
      grid.put("│", x: rect.x, y: y, role: role)
      grid.put("│", x: rect.maxX - 1, y: y, role: role)
    }
    let shown = focused ? "▶ \(title) " : " \(title) "
    let used = grid.put(shown, x: rect.x + 1, y: rect.y, role: .title, maxWidth: rect.width - 2)
    if let badge, !badge.isEmpty {
      let width = TextWidth.of(badge) + 2
      let x = rect.maxX - 1 - width
      if x > rect.x + 1 + used { grid.put(" \(badge) ", x: x, y: rect.y, role: .dim) }
    }
  }

  /// A framed box over whatever is below it (overlays, dialogs), filled with the overlay role.
  ///
  /// The column on each side is cleared too: without it, text of the pane below ran up to the
  /// frame, cut mid-word ("s│"), and read as if it belonged to the box.
  public static func overlay(_ grid: inout ScreenGrid, _ rect: Rect, title: String) {
    grid.fill(Rect(x: rect.x - 1, y: rect.y, width: 1, height: rect.height), role: .normal)
    grid.fill(Rect(x: rect.maxX, y: rect.y, width: 1, height: rect.height), role: .normal)
    grid.fill(rect, role: .overlay)
    draw(&grid, rect, title: title, focused: true)
    grid.fill(rect.inset(by: 1), role: .overlay)
  }

  /// `text` broken into lines of at most `width` columns, at spaces where possible.
  public static func wrap(_ text: String, width: Int) -> [String] {
    guard width > 0 else { return [] }
    var lines: [String] = []
    for paragraph in TerminalText.sanitizedLines(text) {
      var editor = TextEditor(paragraph)
      editor.moveHome()
      lines += editor.layout(width: width).lines
    }
    return lines
  }

  /// `text` cut or padded to exactly `width` columns.
  public static func fit(_ text: String, _ width: Int) -> String {
    let cut = TextWidth.truncate(TerminalText.sanitizedLine(text), to: width)
    return cut + String(repeating: " ", count: max(0, width - TextWidth.of(cut)))
  }
}
