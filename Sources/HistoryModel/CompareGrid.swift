/// Where N results go when compared side by side: the columns and rows that show each picture
/// largest in the space there is, and each cell's place. The same arithmetic lays out a terminal's
/// cells (the studio's compare view, `compare` in a terminal) and an image's pixels (`compare -o`).
public struct CompareGrid: Sendable, Hashable {
  public let count: Int
  public let columns: Int
  public let rows: Int
  /// Each cell's size, its caption included.
  public let cellWidth: Int
  public let cellHeight: Int
  public let gap: Int

  /// A cell's place in the area (relative to its top-left).
  public struct Cell: Sendable, Hashable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
      self.x = x
      self.y = y
      self.width = width
      self.height = height
    }
  }

  /// Lays out `count` items in `width` × `height`, cells `gap` apart.
  ///
  /// - Parameters:
  ///   - item: the shape of one item's picture (any units: only the ratio counts).
  ///   - caption: what each cell keeps under its picture, in the area's units.
  /// - Returns: the layout whose pictures come out largest; of equals, the one with the fewest
  ///   empty cells, then the fewest columns.
  public init(count: Int, width: Int, height: Int, item: (width: Int, height: Int), caption: Int = 0, gap: Int = 1) {
    let count = max(1, count)
    let itemWidth = Double(max(1, item.width))
    let itemHeight = Double(max(1, item.height))
    var best: (scale: Double, empty: Int, columns: Int)?
    for columns in 1...count {
      let rows = (count + columns - 1) / columns
      let cellWidth = (width - gap * (columns - 1)) / columns
      let cellHeight = (height - gap * (rows - 1)) / rows
      let scale = min(Double(max(0, cellWidth)) / itemWidth, Double(max(0, cellHeight - caption)) / itemHeight)
      let empty = columns * rows - count
      if let best, (best.scale, -best.empty) >= (scale, -empty) { continue }
      best = (scale, empty, columns)
    }
    let columns = best?.columns ?? count
    self.init(count: count, columns: columns, width: width, height: height, gap: gap)
  }

  /// `count` items in exactly `columns` columns.
  public init(count: Int, columns: Int, width: Int, height: Int, gap: Int = 1) {
    self.count = max(1, count)
    self.columns = min(max(1, columns), self.count)
    rows = (self.count + self.columns - 1) / self.columns
    self.gap = max(0, gap)
    cellWidth = max(0, (width - self.gap * (self.columns - 1)) / self.columns)
    cellHeight = max(0, (height - self.gap * (rows - 1)) / rows)
  }

  /// Item `index`'s cell, left to right, top to bottom.
  public func cell(_ index: Int) -> Cell {
    Cell(
      x: (index % columns) * (cellWidth + gap), y: (index / columns) * (cellHeight + gap), width: cellWidth,
      height: cellHeight)
  }

  /// The whole grid's size.
  public var width: Int { columns * cellWidth + (columns - 1) * gap }
  public var height: Int { rows * cellHeight + (rows - 1) * gap }

  public enum Direction: Sendable, Hashable {
    case left, right, up, down
  }

  /// The item a move from `index` lands on. Left and right run on through the rows (right from
  /// the last item stays there); up and down keep the column, and down into a short last row
  /// lands on its last item.
  public func index(from index: Int, moving direction: Direction) -> Int {
    let index = min(max(0, index), count - 1)
    switch direction {
    case .left: return max(0, index - 1)
    case .right: return min(count - 1, index + 1)
    case .up: return index >= columns ? index - columns : index
    case .down:
      guard index / columns < rows - 1 else { return index }
      return min(count - 1, index + columns)
    }
  }
}
