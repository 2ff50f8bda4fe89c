import TerminalScreen
import Testing

@testable import CursesTerminal

/// What ncurses is handed: colour numbers and cells it will draw at the grid's width.
@Suite struct CursesColorTests {
  /// On direct-colour terminals numbers from 8 up are RGB, so palette entries above 7 are converted.
  @Test func directColourNumbers() {
    #expect(PlannedColor.palette(3).cursesNumber(direct: true) == 3)
    #expect(PlannedColor.palette(196).cursesNumber(direct: true) == 0xFF0000)
    #expect(PlannedColor.rgb(0, 0, 1).cursesNumber(direct: true) == 8)
    #expect(PlannedColor.palette(196).cursesNumber(direct: false) == 196)
    #expect(PlannedColor.rgb(255, 0, 0).cursesNumber(direct: false) == 196)
    #expect(PlannedColor.default.cursesNumber(direct: false) == -1)
  }

  /// Cells ncurses would size differently from the grid never shift the rest of the row.
  @Test func drawableCellsKeepTheirWidth() {
    #expect(CursesTerminal.drawable("a", gridWidth: 1, fits: true) == ("a", false))
    #expect(CursesTerminal.drawable("\u{1B}", gridWidth: 1, fits: true) == ("\u{FFFD}", false))
    // A wide glyph cut by the screen edge is a blank, not half a glyph.
    #expect(CursesTerminal.drawable("漢", gridWidth: 2, fits: false) == (" ", false))
  }
}
