import TerminalScreen
import Testing

@testable import CursesTerminal

/// Which escapes the pixel overlay emits for a sequence of screen states: pictures appearing,
/// replaced in place (playback), moved, covered (gone from the frame), and whole repaints (resize,
/// Ctrl-L, resume, theme change), for pictures in the cells (sixel, iTerm2) and above them (kitty).
@Suite struct PixelOverlayTests {
  static func sixel(_ name: String, x: Int = 2, y: Int = 3, columns: Int = 10, rows: Int = 4) -> PixelPlacement {
    PixelPlacement(x: x, y: y, columns: columns, rows: rows, layer: .inCells, escape: "\u{1B}Pq\(name)\u{1B}\\")
  }

  static func kitty(_ name: String, x: Int = 2, y: Int = 3) -> PixelPlacement {
    PixelPlacement(x: x, y: y, columns: 10, rows: 4, layer: .above, escape: "\u{1B}_Ga=T;\(name)\u{1B}\\")
  }

  /// The picture written at its top-left (1-based) from a saved cursor, which is restored after.
  static func drawn(_ placement: PixelPlacement) -> String {
    "\u{1B}7\u{1B}[\(placement.y + 1);\(placement.x + 1)H\(placement.escape)\u{1B}8"
  }

  @Test func aNewPictureIsWrittenAfterTheFrameAndNotAgainWhileUnchanged() {
    var overlay = PixelOverlay(throughTmux: false)
    let picture = Self.sixel("a")
    let first = overlay.plan([picture], wholeScreen: false)
    #expect(first == PixelOverlay.Plan(before: "", after: Self.drawn(picture), repaintRows: []))
    #expect(overlay.plan([picture], wholeScreen: false).isEmpty, "ncurses leaves its cells alone: nothing to send")
  }

  @Test func aPictureReplacedInPlaceIsWrittenOverWithoutRepaint() {
    var overlay = PixelOverlay(throughTmux: false)
    _ = overlay.plan([Self.sixel("frame 1")], wholeScreen: false)
    let next = Self.sixel("frame 2")
    #expect(
      overlay.plan([next], wholeScreen: false)
        == PixelOverlay.Plan(before: "", after: Self.drawn(next), repaintRows: []))
  }

  @Test func aPictureThatGoesHasItsRowsRepaintedAndNothingWritten() {
    var overlay = PixelOverlay(throughTmux: false)
    _ = overlay.plan([Self.sixel("a", y: 5, rows: 3)], wholeScreen: false)
    // Covered by an overlay, or its preview closed: the frame no longer has it.
    #expect(overlay.plan([], wholeScreen: false) == PixelOverlay.Plan(before: "", after: "", repaintRows: [5..<8]))
    #expect(overlay.plan([], wholeScreen: false).isEmpty)
  }

  @Test func aMovedPictureRepaintsWhereItWasAndIsWrittenWhereItIs() {
    var overlay = PixelOverlay(throughTmux: false)
    _ = overlay.plan([Self.sixel("a", x: 2, y: 3, columns: 10, rows: 4)], wholeScreen: false)
    let moved = Self.sixel("a", x: 2, y: 5, columns: 8, rows: 3)
    #expect(
      overlay.plan([moved], wholeScreen: false)
        == PixelOverlay.Plan(before: "", after: Self.drawn(moved), repaintRows: [3..<7]))
  }

  @Test func picturesOnRepaintedRowsAreSentAgainEvenUnchanged() {
    var overlay = PixelOverlay(throughTmux: false)
    let left = Self.sixel("left", x: 0, y: 2, columns: 10, rows: 4)
    let right = Self.sixel("right", x: 20, y: 2, columns: 10, rows: 4)
    let below = Self.sixel("below", x: 0, y: 10, columns: 10, rows: 2)
    _ = overlay.plan([left, right, below], wholeScreen: false)
    // The left one goes: its rows are repainted whole, which erases the right one's pixels too.
    let plan = overlay.plan([right, below], wholeScreen: false)
    #expect(plan == PixelOverlay.Plan(before: "", after: Self.drawn(right), repaintRows: [2..<6]))
  }

  @Test func aWholeRepaintSendsEveryPictureAgain() {
    var overlay = PixelOverlay(throughTmux: false)
    let one = Self.sixel("one", y: 1)
    let two = Self.sixel("two", y: 10)
    _ = overlay.plan([one, two], wholeScreen: false)
    // Resize, Ctrl-L, back from Ctrl-Z, a theme change: ncurses sends every cell again.
    #expect(
      overlay.plan([one, two], wholeScreen: true)
        == PixelOverlay.Plan(before: "", after: Self.drawn(one) + Self.drawn(two), repaintRows: []))
    // A picture the repainted frame no longer has needs nothing: the repaint removed it.
    #expect(
      overlay.plan([one], wholeScreen: true) == PixelOverlay.Plan(before: "", after: Self.drawn(one), repaintRows: []))
  }

  @Test func kittyPicturesAreDeletedByEscapeBeforeTheFrame() {
    var overlay = PixelOverlay(throughTmux: false)
    let picture = Self.kitty("a", x: 4, y: 6)
    #expect(overlay.plan([picture], wholeScreen: false).after == Self.drawn(picture))
    let delete = "\u{1B}_Ga=d,d=P,x=5,y=7\u{1B}\\"
    // Replaced in place: kitty would keep both, so the old one is deleted first.
    let next = Self.kitty("b", x: 4, y: 6)
    #expect(
      overlay.plan([next], wholeScreen: false)
        == PixelOverlay.Plan(before: delete, after: Self.drawn(next), repaintRows: []))
    // Gone: deleted, no rows to repaint (kitty images are not in the cells).
    #expect(overlay.plan([], wholeScreen: false) == PixelOverlay.Plan(before: delete, after: "", repaintRows: []))
    // A whole repaint deletes and sends again.
    _ = overlay.plan([next], wholeScreen: false)
    #expect(
      overlay.plan([next], wholeScreen: true)
        == PixelOverlay.Plan(before: delete, after: Self.drawn(next), repaintRows: []))
  }

  @Test func insideTmuxEveryEscapeGoesThroughItsPassthrough() {
    var overlay = PixelOverlay(throughTmux: true)
    let picture = Self.kitty("a", x: 0, y: 0)
    let wrapped = "\u{1B}Ptmux;\u{1B}\u{1B}_Ga=T;a\u{1B}\u{1B}\\\u{1B}\\"
    #expect(overlay.plan([picture], wholeScreen: false).after == "\u{1B}7\u{1B}[1;1H" + wrapped + "\u{1B}8")
    #expect(
      overlay.plan([], wholeScreen: false).before == "\u{1B}Ptmux;\u{1B}\u{1B}_Ga=d,d=P,x=1,y=1\u{1B}\u{1B}\\\u{1B}\\")
  }

  @Test func repaintedRowsAreMerged() {
    #expect(PixelOverlay.merged([8..<10, 2..<5, 4..<6, 6..<7]) == [2..<7, 8..<10])
  }
}
