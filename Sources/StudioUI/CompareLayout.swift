import HistoryModel
import TerminalScreen

/// Where the compare view puts things: its box (the details view's), the grid of cells in it
/// (``CompareGrid``: the columns that show the sheets largest), and in each cell a sheet of
/// `count` frames with the caption under it: the record's id and the parameters that differ.
struct CompareLayout {
  let rect: Rect
  /// The cells' area (the box's inside, less the hint line).
  let body: Rect
  let grid: CompareGrid
  /// Rows under each sheet: the id, then up to three differing parameters.
  let captionRows: Int
  /// Frames per sheet, as many as the cell's width holds (at most 4).
  let count: Int
  /// Each frame's cells.
  let frame: CellSize

  /// The shape the grid is laid out for: a sheet of three frames of ``PreviewState/sheetFrame``.
  static let sheetShape = (width: 3 * 20 + 2, height: 6)

  init(_ state: AppState, _ compare: CompareState) {
    rect = Rect(x: 2, y: 1, width: max(0, state.width - 4), height: max(0, state.height - 3))
    let inner = rect.inset(by: 1)
    body = Rect(x: inner.x, y: inner.y, width: inner.width, height: max(0, inner.height - 1))
    captionRows = 1 + min(3, max(1, compare.comparison?.differing.count ?? 1))
    grid = CompareGrid(
      count: max(1, compare.records.count), width: body.width, height: body.height, item: Self.sheetShape,
      caption: captionRows)
    count = max(1, min(4, (grid.cellWidth + 1) / 13))
    frame = CellSize(
      columns: max(1, (grid.cellWidth - (count - 1)) / count), rows: max(1, grid.cellHeight - captionRows))
  }

  /// Record `index`'s cell on screen.
  func cell(_ index: Int) -> Rect {
    let cell = grid.cell(index)
    return Rect(x: body.x + cell.x, y: body.y + cell.y, width: cell.width, height: cell.height)
  }
}
