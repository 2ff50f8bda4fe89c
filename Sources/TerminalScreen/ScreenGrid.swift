/// A rectangle in cell coordinates.
public struct Rect: Sendable, Hashable {
  public var x: Int
  public var y: Int
  public var width: Int
  public var height: Int

  public init(x: Int, y: Int, width: Int, height: Int) {
    self.x = x
    self.y = y
    self.width = max(0, width)
    self.height = max(0, height)
  }

  public var maxX: Int { x + width }
  public var maxY: Int { y + height }
  public var isEmpty: Bool { width == 0 || height == 0 }

  public func inset(by amount: Int) -> Rect {
    Rect(x: x + amount, y: y + amount, width: width - 2 * amount, height: height - 2 * amount)
  }

  public func contains(x px: Int, y py: Int) -> Bool { px >= x && px < maxX && py >= y && py < maxY }
}

/// One terminal cell: a grapheme cluster (already sanitised) and the role it is painted with.
///
/// Text is painted by role (themes decide colours); a cell of a picture (a video frame drawn in
/// block symbols) carries its own ``colors`` instead, which win over the role's.
public struct Cell: Sendable, Hashable {
  /// The cluster shown here; empty for the right half of a double-width character.
  public var text: String
  public var role: StyleRole
  /// Explicit colours for picture cells; nil for text, which takes its role's.
  public var colors: CellColors?

  public init(_ text: String = " ", role: StyleRole = .normal, colors: CellColors? = nil) {
    self.text = text
    self.role = role
    self.colors = colors
  }

  /// The right half of a wide glyph: drawn by the glyph on its left.
  public var isContinuation: Bool { text.isEmpty }
}

/// The screen model: what the terminal should show, as a grid of cells.
///
/// Views render into it (pure, testable); the terminal backend copies it to ncurses, which sends only
/// the difference. `textDump()` is what snapshot tests compare.
public struct ScreenGrid: Sendable, Hashable {
  public let width: Int
  public let height: Int
  public private(set) var cells: [Cell]
  /// Where the terminal cursor should be shown (an editor's caret), if anywhere.
  public var cursor: (x: Int, y: Int)? {
    get { cursorPosition.map { ($0.x, $0.y) } }
    set { cursorPosition = newValue.map { CursorPosition(x: $0.x, y: $0.y) } }
  }
  private var cursorPosition: CursorPosition?
  /// Pictures sent as pixels over areas of blank cells, drawn after the cells (``PixelPlacement``).
  public var placements: [PixelPlacement] = []

  private struct CursorPosition: Sendable, Hashable {
    var x: Int
    var y: Int
  }

  public init(width: Int, height: Int, role: StyleRole = .normal) {
    self.width = max(0, width)
    self.height = max(0, height)
    cells = Array(repeating: Cell(role: role), count: self.width * self.height)
  }

  public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

  public subscript(x: Int, y: Int) -> Cell {
    get { cells[y * width + x] }
    set {
      guard x >= 0, x < width, y >= 0, y < height else { return }
      cells[y * width + x] = newValue
    }
  }

  /// Fills `rect` (clipped to the grid) with blanks of `role`.
  public mutating func fill(_ rect: Rect, role: StyleRole) {
    for y in max(0, rect.y)..<min(height, rect.maxY) {
      for x in max(0, rect.x)..<min(width, rect.maxX) { self[x, y] = Cell(role: role) }
    }
  }

  /// Writes `text` at (x, y), one cluster per cell (two for wide ones), clipped to `maxWidth` columns
  /// and to the grid. Text is sanitised first, so nothing from the network reaches the terminal raw.
  ///
  /// Text that does not fit ends with `…` (unless `ellipsis` is false, for rules and bars that are
  /// meant to be cut): every view gets the marker from here, so no label is cut mid-word unmarked.
  /// - Returns: the number of columns written.
  @discardableResult
  public mutating func put(_ text: String, x: Int, y: Int, role: StyleRole, maxWidth: Int? = nil, ellipsis: Bool = true)
    -> Int
  {
    guard y >= 0, y < height else { return 0 }
    let limit = min(maxWidth ?? Int.max, width - x)
    var shown = TerminalText.sanitizedLine(text)
    if ellipsis, limit > 0, TextWidth.of(shown) > limit { shown = TextWidth.truncate(shown, to: limit) }
    var column = 0
    for character in shown {
      let cellWidth = TextWidth.of(character)
      // Swift's Character is a whole grapheme cluster, so marks arrive with their base; what is
      // left with no width (a stray joiner) has nothing to show.
      if cellWidth == 0 { continue }
      if column + cellWidth > limit { break }
      if x + column >= 0 {
        self[x + column, y] = Cell(String(character), role: role)
        if cellWidth == 2 { self[x + column + 1, y] = Cell("", role: role) }
      }
      column += cellWidth
    }
    return column
  }

  /// Rows as text, wide glyphs once, trailing spaces kept: what snapshot tests compare.
  public func textDump() -> String {
    (0..<height).map { y in
      (0..<width).map { x in self[x, y].text }.joined()
    }.joined(separator: "\n")
  }

  /// One letter per cell naming its role (see ``StyleRole/code``): catches focus and highlight changes.
  /// Picture cells show `%` (their colours are checked by ``colorDump()``).
  public func styleDump() -> String {
    (0..<height).map { y in
      String((0..<width).map { x in self[x, y].colors == nil ? self[x, y].role.code : "%" })
    }.joined(separator: "\n")
  }

  /// The explicit colours of picture cells, one `fg/bg` line per cell that has them (`x,y fg/bg`,
  /// colours as theme files write them): what snapshot tests of pictures compare beside the text.
  public func colorDump() -> String {
    var lines: [String] = []
    for y in 0..<height {
      for x in 0..<width {
        guard let colors = self[x, y].colors else { continue }
        lines.append("\(x),\(y) \(colors.foreground.notation)/\(colors.background.notation)")
      }
    }
    return lines.joined(separator: "\n")
  }

  /// Copies `art` with its top-left corner at (x, y), clipped to the grid.
  public mutating func draw(_ art: CellArt, x: Int, y: Int) {
    for row in 0..<art.height {
      for column in 0..<art.width { self[x + column, y + row] = art[column, row] }
    }
  }

  public static func == (lhs: ScreenGrid, rhs: ScreenGrid) -> Bool {
    lhs.width == rhs.width && lhs.height == rhs.height && lhs.cells == rhs.cells
      && lhs.cursorPosition == rhs.cursorPosition
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(width)
    hasher.combine(height)
    hasher.combine(cells)
  }
}
