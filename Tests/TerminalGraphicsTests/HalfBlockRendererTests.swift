import TerminalGraphics
import TerminalScreen
import Testing

/// Playback's half blocks: one pixel per half cell, top as ink, bottom as paper.
@Suite struct HalfBlockRendererTests {
  @Test func eachCellIsTwoPixelsStacked() {
    let pixels: [UInt8] = [
      255, 0, 0, 255, 0, 255, 0, 255,
      0, 0, 255, 255, 9, 9, 9, 255,
      1, 2, 3, 255, 4, 5, 6, 255,
    ]
    let art = HalfBlockRenderer.render(RGBAImage(width: 2, height: 3, pixels: pixels))
    #expect(art.width == 2 && art.height == 2)
    #expect(art[0, 0] == Cell("▀", colors: CellColors(foreground: .rgb(255, 0, 0), background: .rgb(0, 0, 255))))
    #expect(art[1, 0] == Cell("▀", colors: CellColors(foreground: .rgb(0, 255, 0), background: .rgb(9, 9, 9))))
    // An odd last row: the paper is the terminal's own.
    #expect(art[1, 1] == Cell("▀", colors: CellColors(foreground: .rgb(4, 5, 6), background: .default)))
    #expect(HalfBlockRenderer.pixelSize(columns: 120, rows: 34) == PixelSize(width: 120, height: 68))
  }
}
