import TerminalScreen

/// How many cells a picture takes in an area, keeping its shape.
public enum PictureFit {
  /// The largest `columns` × `rows` within `maxColumns` × `maxRows` whose pixel shape (at `cellSize`
  /// pixels per cell) is closest to `image`'s; at least 1 × 1 when the area has room.
  public static func cells(
    for image: PixelSize, maxColumns: Int, maxRows: Int, cellSize: PixelSize = PixelEncoder.defaultCellSize
  ) -> (columns: Int, rows: Int) {
    guard maxColumns > 0, maxRows > 0, image.width > 0, image.height > 0 else { return (0, 0) }
    let aspect = Double(image.width) / Double(image.height)
    let cellAspect = Double(cellSize.width) / Double(max(1, cellSize.height))
    // Columns that maxRows rows would need, then rows for the columns we can have.
    let columnsForHeight = Int((Double(maxRows) * aspect / cellAspect).rounded())
    if columnsForHeight <= maxColumns { return (max(1, columnsForHeight), maxRows) }
    let rows = Int((Double(maxColumns) / aspect * cellAspect).rounded())
    return (maxColumns, max(1, min(maxRows, rows)))
  }
}
