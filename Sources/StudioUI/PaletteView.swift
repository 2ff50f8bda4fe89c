import TerminalScreen

/// The command palette drawn near the top of the screen: the query, then matching commands with
/// their keys.
enum PaletteView {
  static func draw(_ grid: inout ScreenGrid, _ palette: CommandPalette) {
    let width = min(64, grid.width - 4)
    let height = min(16, grid.height - 4)
    let rect = Rect(x: (grid.width - width) / 2, y: 1, width: width, height: height)
    Box.overlay(&grid, rect, title: "Commands (type to filter, Enter runs, Ctrl-U clears)")
    let inner = rect.inset(by: 1)
    let x = inner.x + grid.put("› ", x: inner.x, y: inner.y, role: .key)
    FormView.drawEditor(
      &grid, palette.query, placeholder: "", editing: true, role: .inputFocused,
      rect: Rect(x: x, y: inner.y, width: inner.width - 2, height: 1), line: 0)
    let matches = palette.matches
    let listHeight = inner.height - 1
    let top = ListView.scrollTop(0, selected: palette.selected, count: matches.count, height: listHeight)
    if matches.isEmpty {
      grid.put("no command matches", x: inner.x, y: inner.y + 1, role: .dim, maxWidth: inner.width)
    }
    for index in ListView.visibleRange(top: top, count: matches.count, height: listHeight) {
      let entry = matches[index]
      let y = inner.y + 1 + index - top
      let selected = index == palette.selected
      let role: StyleRole = selected ? .selection : .overlay
      grid.fill(Rect(x: inner.x, y: y, width: inner.width, height: 1), role: role)
      let detail = TextWidth.truncate(entry.detail, to: max(0, inner.width / 2 - 2))
      let detailWidth = TextWidth.of(detail)
      grid.put(entry.title, x: inner.x + 1, y: y, role: role, maxWidth: inner.width - detailWidth - 3)
      grid.put(detail, x: inner.maxX - detailWidth - 1, y: y, role: selected ? role : .key)
    }
  }
}
