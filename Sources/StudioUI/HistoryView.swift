import TerminalScreen

/// The history pane: the filter line with the count, then the window of summaries, newest first.
enum HistoryView {
  static func draw(_ grid: inout ScreenGrid, _ state: AppState, layout: Layout) {
    let history = state.history
    let focused = state.focus == .history && state.overlay == nil && state.dialog == nil
    Box.draw(&grid, layout.history, title: Pane.history.title, focused: focused,
      badge: history.loading != nil ? "loading" : nil)
    let list = layout.historyList
    let filterY = list.y - 1
    let noun = history.filter.isEmpty ? (history.total == 1 ? "item" : "items") : (history.total == 1 ? "match" : "matches")
    let count = history.loaded ? "\(history.total) \(noun)" : ""
    let countWidth = TextWidth.of(count)
    let filterWidth = max(1, list.width - countWidth - 3)
    var x = list.x + grid.put("/ ", x: list.x, y: filterY, role: .key)
    if history.filter.isEmpty && !history.filterEditing {
      grid.put("filter", x: x, y: filterY, role: .placeholder, maxWidth: filterWidth)
    } else {
      FormView.drawEditor(&grid, history.filter, placeholder: "", editing: history.filterEditing && focused,
        role: history.filterEditing ? .inputFocused : .input, rect: Rect(x: x, y: filterY, width: filterWidth, height: 1),
        line: 0)
    }
    x = list.maxX - countWidth
    grid.put(count, x: x, y: filterY, role: .dim)

    if history.loaded, history.total == 0 {
      let message = history.filter.isEmpty ? "Nothing generated yet" : "No match for the filter"
      grid.put(message, x: list.x, y: list.y, role: .dim, maxWidth: list.width)
      return
    }
    if !history.loaded {
      grid.put("Loading…", x: list.x, y: list.y, role: .dim, maxWidth: list.width)
      return
    }
    for row in ListView.visibleRange(top: history.scrollTop, count: history.total, height: list.height) {
      let y = list.y + row - history.scrollTop
      let selected = row == history.selected
      let base: StyleRole = selected ? (focused ? .selection : .dim) : .normal
      if selected { grid.fill(Rect(x: list.x, y: y, width: list.width, height: 1), role: base) }
      guard let summary = history.summary(at: row) else {
        grid.put("…", x: list.x, y: y, role: selected ? base : .dim)
        continue
      }
      var column = list.x
      column += grid.put(Format.shortDate(summary.createdAt, utcOffset: state.settings.utcOffsetSeconds) + " ",
        x: column, y: y, role: selected ? base : .dim, maxWidth: list.maxX - column)
      column += grid.put(Format.glyph(summary.status) + " ", x: column, y: y,
        role: selected ? base : Format.role(summary.status), maxWidth: list.maxX - column)
      if list.width >= 40 {
        column += grid.put(Format.modeShort(summary.mode) + " ", x: column, y: y, role: selected ? base : .dim,
          maxWidth: list.maxX - column)
      }
      let prompt = summary.prompt.utf8.contains(0x0A) ? summary.prompt.replacing("\n", with: " ") : summary.prompt
      grid.put(prompt, x: column, y: y, role: base, maxWidth: list.maxX - column)
    }
  }
}
