import TerminalScreen
import Testing

@Suite struct CellArtTests {
  let art = CellArt(
    width: 2, height: 1,
    cells: [
      Cell("▀", colors: CellColors(foreground: .rgb(255, 0, 0), background: .rgb(0, 0, 16))),
      Cell("▄", colors: CellColors(foreground: .indexed(196), background: .ansi(4))),
    ])

  @Test func drawnArtShowsInTheDumps() {
    var grid = ScreenGrid(width: 4, height: 2)
    grid.put("ab", x: 0, y: 1, role: .title)
    grid.draw(art, x: 1, y: 0)
    #expect(grid.textDump() == " ▀▄ \nab  ")
    #expect(grid.styleDump() == " %% \nTT  ")
    #expect(grid.colorDump() == "1,0 #ff0000/#000010\n2,0 idx:196/ansi:4")
  }

  @Test func artIsClippedToTheGrid() {
    var grid = ScreenGrid(width: 2, height: 1)
    grid.draw(art, x: 1, y: 0)
    grid.draw(art, x: 0, y: 3)
    #expect(grid.textDump() == " ▀")
  }

  @Test func pictureColoursReduceToTheDepth() {
    let colors = CellColors(foreground: .rgb(255, 0, 0), background: .indexed(21))
    #expect(ColorPlanner.plan(colors, depth: .truecolor).foreground == .rgb(255, 0, 0))
    #expect(
      ColorPlanner.plan(colors, depth: .indexed256)
        == PlannedStyle(foreground: .palette(196), background: .palette(21), attributes: []))
    let sixteen = ColorPlanner.plan(colors, depth: .ansi16)
    #expect(sixteen.foreground == .palette(1) && sixteen.background == .palette(4))
    let bright = CellColors(foreground: .ansi(9), background: .ansi(12))
    let eight = ColorPlanner.plan(bright, depth: .ansi16, colors: 8)
    #expect(eight.foreground == .palette(1) && eight.background == .palette(4))
    #expect(
      ColorPlanner.plan(colors, depth: .monochrome)
        == PlannedStyle(foreground: .default, background: .default, attributes: []))
  }
}
