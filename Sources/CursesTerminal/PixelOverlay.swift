import TerminalScreen

/// Which escapes keep the terminal's pixel pictures in step with the frames ncurses draws: a pure
/// planner, fed each frame's ``PixelPlacement``s, that remembers what the terminal shows.
///
/// ncurses knows nothing of these pictures, so three things can go wrong and each has its rule:
/// - A picture that goes (its area changed, an overlay came over it, its preview closed) stays on
///   the screen unless removed: a kitty image is deleted by an escape (it lives above the cells);
///   sixel and iTerm2 pixels are in the cells, and only writing those cells again removes them,
///   which ncurses will not do for cells it believes unchanged, so their rows are marked for
///   ncurses to repaint (`redrawln`) in this frame.
/// - A repainted row (that repaint, or the whole screen's after a resize, Ctrl-L, a resume from
///   Ctrl-Z or a theme change) has lost its sixel and iTerm2 pixels: every picture on it is sent
///   again, changed or not. On a whole repaint kitty images are deleted and sent again too (the
///   terminal may have cleared them with the screen).
/// - A picture is written after ncurses has sent the frame, from a saved cursor (DECSC) to the
///   area's top-left and back (DECRC), so ncurses' idea of the cursor and the colours stays true.
///   A picture that replaces another over the same area is simply written over it.
///
/// Inside tmux (only where its passthrough is on: detection chose a pixel protocol there) each
/// picture and deletion is wrapped in tmux's DCS passthrough.
public struct PixelOverlay: Sendable {
  /// What one frame needs besides ncurses' own output.
  public struct Plan: Sendable, Hashable {
    /// Written before ncurses sends the frame (kitty deletions).
    public var before: String
    /// Written after ncurses has sent the frame (the pictures).
    public var after: String
    /// Rows for ncurses to send whole in this frame, removing pixels in their cells.
    public var repaintRows: [Range<Int>]

    public var isEmpty: Bool { before.isEmpty && after.isEmpty && repaintRows.isEmpty }
  }

  /// What the terminal shows now, as far as these pictures go.
  public private(set) var shown: [PixelPlacement] = []
  let throughTmux: Bool

  public init(throughTmux: Bool) {
    self.throughTmux = throughTmux
  }

  /// The plan that takes the terminal from ``shown`` to `wanted`; `wholeScreen` when ncurses is
  /// about to send every cell again.
  public mutating func plan(_ wanted: [PixelPlacement], wholeScreen: Bool) -> Plan {
    var before = ""
    var rows: [Range<Int>] = []
    for old in shown where wholeScreen || !wanted.contains(old) {
      switch old.layer {
      case .above:
        // Deleted even when another takes its place: kitty would keep both.
        before += wrap(Self.kittyDelete(x: old.x, y: old.y))
      case .inCells:
        // Written over by a picture over exactly the same area: nothing to remove.
        let replaced = wanted.contains { $0.area == old.area && $0.layer == .inCells }
        if !wholeScreen && !replaced { rows.append(old.y..<old.y + old.rows) }
      }
    }
    var after = ""
    for picture in wanted {
      let onRepaintedRow = rows.contains { $0.overlaps(picture.y..<picture.y + picture.rows) }
      guard wholeScreen || !shown.contains(picture) || (picture.layer == .inCells && onRepaintedRow) else { continue }
      after += "\u{1B}7\u{1B}[\(picture.y + 1);\(picture.x + 1)H" + wrap(picture.escape) + "\u{1B}8"
    }
    shown = wanted
    return Plan(before: before, after: after, repaintRows: Self.merged(rows))
  }

  /// Forgets what was shown (the screen was given back to the shell: nothing of ours is on it).
  public mutating func reset() { shown = [] }

  /// Deletes the kitty placements over the cell at (x, y), 0-based, and frees their images
  /// (`d=P`: the placements intersecting a cell; upper case frees the data too).
  static func kittyDelete(x: Int, y: Int) -> String {
    "\u{1B}_Ga=d,d=P,x=\(x + 1),y=\(y + 1)\u{1B}\\"
  }

  private func wrap(_ escape: String) -> String {
    throughTmux ? EscapeSequence(escape).passedThroughTmux().text : escape
  }

  /// Overlapping or touching row ranges joined, in order.
  static func merged(_ ranges: [Range<Int>]) -> [Range<Int>] {
    var result: [Range<Int>] = []
    for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
      if let last = result.last, range.lowerBound <= last.upperBound {
        result[result.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
      } else {
        result.append(range)
      }
    }
    return result
  }
}
