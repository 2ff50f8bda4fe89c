import HistoryModel
import TerminalScreen

/// The compare view: each record's contact sheet in its cell, the id (★ when starred) and the
/// parameters that set it apart under it, the selected cell's caption highlighted, the keys on the
/// last line.
enum CompareView {
  static func draw(_ grid: inout ScreenGrid, _ state: AppState, _ compare: CompareState) {
    let layout = CompareLayout(state, compare)
    let title = compare.records.isEmpty ? "Compare" : "Compare — \(compare.records.count) videos"
    Box.overlay(&grid, layout.rect, title: title)
    let inner = layout.rect.inset(by: 1)
    guard !compare.records.isEmpty else {
      grid.put("Loading…", x: inner.x, y: inner.y, role: .dim, maxWidth: inner.width)
      return
    }
    for (index, record) in compare.records.enumerated() {
      let cell = layout.cell(index)
      let pictures = Rect(x: cell.x, y: cell.y, width: cell.width, height: layout.frame.rows)
      switch compare.sheets[record.id]?.content ?? .loading {
      case .pictures(let frames):
        for (number, picture) in frames.prefix(layout.count).enumerated() {
          let x = cell.x + number * (layout.frame.columns + 1)
          PreviewView.drawPicture(
            &grid, picture, in: Rect(x: x, y: cell.y, width: layout.frame.columns, height: layout.frame.rows))
        }
      case let content:
        PreviewView.drawPlaceholder(&grid, content, loading: "loading preview…", in: pictures)
      }
      drawCaption(&grid, record, compare: compare, index: index, layout: layout, cell: cell)
    }
    let hints = "←→↑↓ move  s star  D discard the others  o open  Esc close"
    grid.put(hints, x: inner.x, y: inner.maxY - 1, role: .key, maxWidth: inner.width)
  }

  private static func drawCaption(
    _ grid: inout ScreenGrid, _ record: GenerationRecord, compare: CompareState, index: Int, layout: CompareLayout,
    cell: Rect
  ) {
    let y = cell.y + layout.frame.rows
    let selected = index == compare.selected
    if selected { grid.fill(Rect(x: cell.x, y: y, width: cell.width, height: 1), role: .selection) }
    let title = (record.starred ? "★ " : "") + record.id
    grid.put(title, x: cell.x, y: y, role: selected ? .selection : .accent, maxWidth: cell.width)
    let values = compare.comparison?.values[index] ?? []
    let lines = values.isEmpty ? ["same parameters"] : values.map { "\($0.name) \($0.value)" }
    for (row, line) in lines.prefix(layout.captionRows - 1).enumerated() {
      grid.put(line, x: cell.x, y: y + 1 + row, role: .overlay, maxWidth: cell.width)
    }
  }
}
