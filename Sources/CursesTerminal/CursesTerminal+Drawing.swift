import CNcursesw
import TerminalScreen

#if canImport(Glibc)
  import Glibc
#endif

/// A (foreground, background) pair of ncurses colour numbers: the key of the pair cache.
struct PairKey: Hashable {
  var foreground: Int32
  var background: Int32
}

/// What a role draws with: ncurses attribute bits and an (extended) colour pair.
struct CellStyle {
  var attributes: attr_t
  var pair: Int32
}

extension CursesTerminal {
  /// Copies `grid` into ncurses' virtual screen and sends the difference to the terminal, then
  /// its pixel pictures (``PixelOverlay``).
  ///
  /// Only rows that differ from the previous frame are copied (a keystroke changes one or two of
  /// 40; copying all 4,800 cells was most of a keystroke's cost), each row whole so that wide glyphs
  /// are redrawn with their neighbours; `doupdate` then compares with what the terminal already
  /// shows, so only changed cells (and style changes) go out. Each cell is placed at its absolute
  /// column, so a glyph whose width
  /// ncurses (glibc `wcwidth`) judges differently from ``TextWidth`` cannot shift the rest of the
  /// row: a cell ncurses would draw wider than the grid planned shows `�` instead, and one it draws
  /// narrower gets a blank in its continuation cell. Grids larger than the screen are clipped.
  public func draw(_ grid: ScreenGrid) {
    lastGrid = grid
    guard state == .active else { return }
    let window = cncursesw_stdscr()
    let previous = copiedGrid.flatMap { $0.width == grid.width && $0.height == grid.height ? $0 : nil }
    if previous == nil { _ = werase(window) }
    copiedGrid = grid
    let (width, height) = size
    let columns = min(width, grid.width)
    let rows = min(height, grid.height)
    let maximumScalars = Int(cncursesw_cchar_max())
    var buffer = [wchar_t](repeating: 0, count: maximumScalars + 1)
    for y in 0..<rows {
      let row = (y * grid.width)..<((y + 1) * grid.width)
      if let previous, previous.cells[row] == grid.cells[row] { continue }
      var coveredByWideGlyph = false
      for x in 0..<columns {
        let cell = grid[x, y]
        if cell.isContinuation {
          if coveredByWideGlyph {
            coveredByWideGlyph = false
            continue
          }
          put(" ", at: x, y, style: style(of: cell, in: grid), in: window, buffer: &buffer)
          continue
        }
        let gridWidth = x + 1 < grid.width && grid[x + 1, y].isContinuation ? 2 : 1
        let shown = Self.drawable(cell.text, gridWidth: gridWidth, fits: x + gridWidth <= columns)
        coveredByWideGlyph = shown.coversNext
        put(
          shown.text, at: x, y, style: style(of: cell, in: grid), in: window, buffer: &buffer,
          maximumScalars: maximumScalars)
      }
    }
    // Pixel pictures (PixelOverlay): kitty deletions and the rows whose pixels must go before
    // the frame, the pictures after it. A picture the screen cannot hold whole is left out.
    let plan = pixels.plan(
      grid.placements.filter { $0.x >= 0 && $0.y >= 0 && $0.area.maxX <= columns && $0.area.maxY <= rows },
      wholeScreen: previous == nil)
    writeEscapes(plan.before)
    for range in plan.repaintRows where range.lowerBound < height {
      _ = wredrawln(window, Int32(range.lowerBound), Int32(min(range.count, height - range.lowerBound)))
    }
    placeCursor(grid.cursor, columns: columns, rows: rows, window: window)
    _ = wnoutrefresh(window)
    _ = doupdate()
    writeEscapes(plan.after)
  }

  /// What to hand ncurses for a cell, given how wide the grid made it.
  ///
  /// - Returns: the text, and whether ncurses will draw over the next (continuation) cell.
  static func drawable(_ text: String, gridWidth: Int, fits: Bool) -> (text: String, coversNext: Bool) {
    guard let first = text.unicodeScalars.first else { return (" ", false) }
    if first.value < 0x20 || (0x7F..<0xA0).contains(first.value) { return ("\u{FFFD}", false) }
    if first.value < 0x7F && text.unicodeScalars.count == 1 { return (text, false) }
    if gridWidth == 2 && !fits { return (" ", false) }
    let cursesWidth = Int(wcwidth(wchar_t(bitPattern: first.value)))
    switch (gridWidth, cursesWidth) {
    case (2, 2):
      return fits ? (text, true) : (" ", false)
    case (1, 1), (2, 1):
      return (text, false)
    default:
      return ("\u{FFFD}", false)
    }
  }

  private func put(
    _ text: String, at x: Int, _ y: Int, style: CellStyle, in window: UnsafeMutablePointer<WINDOW>?,
    buffer: inout [wchar_t], maximumScalars: Int = 5
  ) {
    var count = 0
    for scalar in text.unicodeScalars where count < maximumScalars {
      buffer[count] = wchar_t(bitPattern: scalar.value)
      count += 1
    }
    buffer[count] = 0
    let result = cncursesw_mvwadd_cell(window, Int32(y), Int32(x), buffer, style.attributes, style.pair)
    if result == -2 && count > 1 {
      // setcchar refused the cluster (e.g. a ZWJ sequence of several wide emoji): its base alone.
      buffer[1] = 0
      _ = cncursesw_mvwadd_cell(window, Int32(y), Int32(x), buffer, style.attributes, style.pair)
    }
  }

  private func placeCursor(_ cursor: (x: Int, y: Int)?, columns: Int, rows: Int, window: UnsafeMutablePointer<WINDOW>?)
  {
    if let cursor, cursor.x >= 0, cursor.x < columns, cursor.y >= 0, cursor.y < rows {
      _ = leaveok(window, false)
      _ = wmove(window, Int32(cursor.y), Int32(cursor.x))
      if cursorVisible != true {
        _ = curs_set(1)
        cursorVisible = true
      }
    } else {
      _ = leaveok(window, true)
      if cursorVisible != false {
        _ = curs_set(0)
        cursorVisible = false
      }
    }
  }

  /// How `cell` is drawn: its role's style, or for a picture cell its own colours' pair.
  private func style(of cell: Cell, in grid: ScreenGrid) -> CellStyle {
    guard let colors = cell.colors else { return cellStyle(for: cell.role) }
    return CellStyle(attributes: cncursesw_a_normal(), pair: artPair(for: colors, grid: grid))
  }

  /// The pair drawing a picture cell's `colors`, reused across frames.
  ///
  /// Video playback shows thousands of colour combinations a second, more than any terminal has
  /// pairs (256 to 65,536). New combinations take fresh pairs while there are any; when none is
  /// left, every picture pair whose colours are not in `grid` (the frame being drawn, so nothing
  /// on screen) is given back and reused. Redefining a pair makes ncurses repaint the cells still
  /// showing it, so a reused pair cannot leave a stale colour. With no pair to spare (a tiny
  /// table), the terminal's default pair draws the cell: the symbol's shape still shows.
  private func artPair(for colors: CellColors, grid: ScreenGrid) -> Int32 {
    if let cached = artCache[colors] { return cached }
    if colorDepth == .monochrome { return 0 }
    let planned = ColorPlanner.plan(colors, depth: colorDepth, colors: colorCount)
    let key = PairKey(
      foreground: planned.foreground.cursesNumber(direct: directColor),
      background: planned.background.cursesNumber(direct: directColor))
    if let existing = pairs[key] {
      artCache[colors] = existing
      return existing
    }
    if freePairs.isEmpty && nextPair >= cncursesw_color_pairs() { reclaimArtPairs(keeping: grid) }
    guard let number = takePair(), init_extended_pair(number, key.foreground, key.background) == OK else { return 0 }
    pairs[key] = number
    artCache[colors] = number
    return number
  }

  /// Gives back the pairs of picture colours that `grid` does not show (roles' pairs stay).
  private func reclaimArtPairs(keeping grid: ScreenGrid) {
    let shown = Set(grid.cells.lazy.compactMap(\.colors))
    let rolePairs = Set(roleCache.values.map(\.pair))
    var keptPairs = Set<Int32>()
    for (colors, pair) in artCache where shown.contains(colors) { keptPairs.insert(pair) }
    for (key, pair) in pairs where !rolePairs.contains(pair) && !keptPairs.contains(pair) {
      pairs[key] = nil
      freePairs.append(pair)
    }
    artCache = artCache.filter { keptPairs.contains($0.value) }
  }

  private func takePair() -> Int32? {
    if let reused = freePairs.popLast() { return reused }
    guard nextPair < cncursesw_color_pairs() else { return nil }
    nextPair += 1
    return nextPair - 1
  }

  /// The attributes and colour pair of `role`, planned once per theme and cached.
  func cellStyle(for role: StyleRole) -> CellStyle {
    if let cached = roleCache[role] { return cached }
    let planned = ColorPlanner.plan(theme.style(for: role), role: role, depth: colorDepth, colors: colorCount)
    var attributes = cncursesw_a_normal()
    if planned.attributes.contains(.bold) { attributes |= cncursesw_a_bold() }
    if planned.attributes.contains(.dim) { attributes |= cncursesw_a_dim() }
    if planned.attributes.contains(.italic) { attributes |= cncursesw_a_italic() }
    if planned.attributes.contains(.underline) { attributes |= cncursesw_a_underline() }
    if planned.attributes.contains(.reverse) { attributes |= cncursesw_a_reverse() }
    let key = PairKey(
      foreground: planned.foreground.cursesNumber(direct: directColor),
      background: planned.background.cursesNumber(direct: directColor))
    let style = CellStyle(attributes: attributes, pair: pair(for: key))
    roleCache[role] = style
    return style
  }

  /// The colour pair for `key`, created on first use. Pair 0 is the terminal's defaults; when the
  /// terminal runs out of pairs (a theme has ~30 roles, terminals offer 256 to 65536), pictures'
  /// pairs no longer on screen are reclaimed first, else the default pair is used rather than
  /// recycling one that is on screen.
  private func pair(for key: PairKey) -> Int32 {
    if key.foreground == -1 && key.background == -1 { return 0 }
    if colorDepth == .monochrome { return 0 }
    if let existing = pairs[key] { return existing }
    if freePairs.isEmpty && nextPair >= cncursesw_color_pairs(), let lastGrid { reclaimArtPairs(keeping: lastGrid) }
    guard let number = takePair(), init_extended_pair(number, key.foreground, key.background) == OK else { return 0 }
    pairs[key] = number
    return number
  }
}
