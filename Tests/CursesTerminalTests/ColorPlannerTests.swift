import Testing
import TerminalScreen

@testable import CursesTerminal

/// Theme colours reduced to what the terminal shows, and the depth detection.
@Suite struct ColorPlannerTests {
  /// rgb goes to the 6×6×6 cube or the grey ramp, whichever is closer, never to the user-themed 0–15.
  @Test func rgbToNearest256() {
    #expect(ColorPlanner.nearest256((255, 0, 0)) == 196)
    #expect(ColorPlanner.nearest256((0, 0, 0)) == 16)
    #expect(ColorPlanner.nearest256((128, 128, 128)) == 244)
    #expect(ColorPlanner.nearest256((95, 135, 175)) == 67)
    #expect(ColorPlanner.nearest256((250, 250, 250)) == 231 || ColorPlanner.nearest256((250, 250, 250)) == 255)
  }

  /// 256-colour and rgb values go to the nearest ANSI colour at depth 16.
  @Test func downgradeTo16() {
    #expect(ColorPlanner.reduce(.indexed(196), to: .ansi16) == .palette(9))
    #expect(ColorPlanner.reduce(.indexed(4), to: .ansi16) == .palette(4))
    #expect(ColorPlanner.reduce(.rgb(0, 0, 230), to: .ansi16) == .palette(4))
    #expect(ColorPlanner.reduce(.rgb(250, 250, 250), to: .ansi16) == .palette(15))
    #expect(ColorPlanner.reduce(.rgb(10, 200, 10), to: .indexed256) == .palette(ColorPlanner.nearest256((10, 200, 10))))
    #expect(ColorPlanner.reduce(.rgb(1, 2, 3), to: .truecolor) == .rgb(1, 2, 3))
    #expect(ColorPlanner.reduce(.default, to: .indexed256) == .default)
  }

  /// Monochrome keeps attributes only; a role marked by its background gets reverse to stay visible.
  @Test func monochromeReverseRule() {
    let selection = RoleStyle(foreground: .ansi(15), background: .rgb(0, 0, 238))
    #expect(
      ColorPlanner.plan(selection, depth: .monochrome)
        == PlannedStyle(foreground: .default, background: .default, attributes: [.reverse]))
    let error = RoleStyle(foreground: .ansi(1), attributes: [.bold])
    #expect(ColorPlanner.plan(error, depth: .monochrome).attributes == [.bold])
  }

  /// On an eight-colour terminal, bright foregrounds become bold normal colours.
  @Test func eightColourTerminalsUseBoldAsBright() {
    let planned = ColorPlanner.plan(RoleStyle(foreground: .ansi(9), background: .ansi(12)), depth: .ansi16, colors: 8)
    #expect(planned == PlannedStyle(foreground: .palette(1), background: .palette(4), attributes: [.bold]))
  }

  /// On direct-colour terminals numbers from 8 up are RGB, so palette entries above 7 are converted.
  @Test func directColourNumbers() {
    #expect(ColorPlanner.curses(.palette(3), direct: true) == 3)
    #expect(ColorPlanner.curses(.palette(196), direct: true) == 0xFF0000)
    #expect(ColorPlanner.curses(.rgb(0, 0, 1), direct: true) == 8)
    #expect(ColorPlanner.curses(.palette(196), direct: false) == 196)
    #expect(ColorPlanner.curses(.default, direct: false) == -1)
  }

  /// NO_COLOR wins; COLORTERM=truecolor needs a direct-colour entry; otherwise COLORS decides.
  @Test func depthDetection() {
    let detect = ColorPlanner.detectDepth
    #expect(detect(["NO_COLOR": "1"], true, 256, false) == .monochrome)
    #expect(detect(["NO_COLOR": ""], true, 256, false) == .indexed256)
    #expect(detect(["COLORTERM": "truecolor"], true, 256, false) == .indexed256)
    #expect(detect(["COLORTERM": "24bit"], true, 1 << 24, true) == .truecolor)
    #expect(detect([:], true, 1 << 24, true) == .indexed256)
    #expect(detect([:], true, 16, false) == .ansi16)
    #expect(detect([:], true, 8, false) == .ansi16)
    #expect(detect([:], false, 0, false) == .monochrome)
  }

  /// Cells ncurses would size differently from the grid never shift the rest of the row.
  @Test func drawableCellsKeepTheirWidth() {
    #expect(CursesTerminal.drawable("a", gridWidth: 1, fits: true) == ("a", false))
    #expect(CursesTerminal.drawable("\u{1B}", gridWidth: 1, fits: true) == ("\u{FFFD}", false))
    // A wide glyph cut by the screen edge is a blank, not half a glyph.
    #expect(CursesTerminal.drawable("漢", gridWidth: 2, fits: false) == (" ", false))
  }
}
