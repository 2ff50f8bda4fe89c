import TerminalScreen
import Testing

@testable import TerminalGraphics

@Suite struct SymbolRendererTests {
  /// Four frames of the synthetic sequence side by side, 16 × 5 cells each: text and colours.
  @Test(arguments: [ColorDepth.truecolor, .indexed256, .ansi16])
  func sheetOfSyntheticFrames(depth: ColorDepth) {
    var grid = ScreenGrid(width: 4 * 17, height: 5)
    for index in 0..<4 {
      let art = SymbolRenderer.render(syntheticFrame(index * 2), columns: 16, rows: 5, depth: depth)
      grid.draw(art, x: index * 17, y: 0)
    }
    assertTextSnapshot(grid.textDump() + "\n" + grid.colorDump() + "\n", named: "sheet-\(depth).txt")
  }

  @Test func sameImageSameCells() {
    let first = SymbolRenderer.render(syntheticFrame(3), columns: 20, rows: 6, depth: .truecolor)
    let second = SymbolRenderer.render(syntheticFrame(3), columns: 20, rows: 6, depth: .truecolor)
    #expect(first == second)
    #expect(first.width == 20 && first.height == 6)
  }

  @Test func movingSquareChangesCells() {
    let first = SymbolRenderer.render(syntheticFrame(1), columns: 20, rows: 6, depth: .truecolor)
    let second = SymbolRenderer.render(syntheticFrame(5), columns: 20, rows: 6, depth: .truecolor)
    #expect(first != second)
  }

  @Test func onlyFixedSymbols() {
    let art = SymbolRenderer.render(syntheticFrame(2), columns: 30, rows: 8, depth: .truecolor)
    let allowed = Set(" ▀▄▌▐█▖▗▘▝▚▞▙▛▜▟".map { String($0) })
    for cell in art.cells {
      #expect(allowed.contains(cell.text), "unexpected symbol \(cell.text.unicodeScalars.map { $0.value })")
      #expect(cell.colors != nil)
    }
  }

  @Test func coloursFollowDepth() {
    let image = syntheticFrame(0)
    let true24 = SymbolRenderer.render(image, columns: 8, rows: 3, depth: .truecolor)
    let indexed = SymbolRenderer.render(image, columns: 8, rows: 3, depth: .indexed256)
    let ansi = SymbolRenderer.render(image, columns: 8, rows: 3, depth: .ansi16)
    for cell in true24.cells {
      guard case .rgb = cell.colors?.background else {
        Issue.record("truecolor gave \(String(describing: cell.colors))")
        return
      }
    }
    for cell in indexed.cells {
      guard case .indexed(let index) = cell.colors?.background, index >= 16 else {
        Issue.record("256 colours gave \(String(describing: cell.colors))")
        return
      }
    }
    for cell in ansi.cells {
      guard case .ansi(let index) = cell.colors?.background, index < 16 else {
        Issue.record("16 colours gave \(String(describing: cell.colors))")
        return
      }
    }
  }

  @Test func emptyAreaOrImageGivesNothing() {
    #expect(SymbolRenderer.render(syntheticFrame(0), columns: 0, rows: 4, depth: .truecolor).cells.isEmpty)
    let empty = RGBAImage(width: 0, height: 0, pixels: [])
    #expect(SymbolRenderer.render(empty, columns: 4, rows: 4, depth: .truecolor).cells.isEmpty)
  }

  /// A 4K frame is scaled by chafa without trouble (the renderer never copies it whole).
  @Test func largeSourceScales() {
    let big = RGBAImage(width: 1920, height: 1080, pixels: [UInt8](repeating: 128, count: 1920 * 1080 * 4))
    let art = SymbolRenderer.render(big, columns: 40, rows: 12, depth: .truecolor)
    #expect(art.width == 40 && art.height == 12)
  }
}

@Suite struct HalfBlockColourTests {
  @Test func reducedColoursAreTheNearestCubeOrAnsiColour() {
    let pixels: [UInt8] = [255, 0, 0, 255, 0, 0, 0, 255]
    let image = RGBAImage(width: 1, height: 2, pixels: pixels)
    #expect(
      HalfBlockRenderer.render(image, depth: .indexed256)[0, 0].colors
        == CellColors(foreground: .indexed(196), background: .indexed(16)))
    #expect(
      HalfBlockRenderer.render(image, depth: .ansi16)[0, 0].colors
        == CellColors(foreground: .ansi(1), background: .ansi(0)))
    // Every cube level is the one xterm's palette makes nearest.
    for value in 0...255 {
      guard case .indexed(let index) = HalfBlockRenderer.color(UInt8(value), 0, 0, depth: .indexed256) else { return }
      let level = ColorPlanner.rgb(ofIndexed: index).0
      let best = [0, 95, 135, 175, 215, 255].min { abs($0 - value) < abs($1 - value) }!
      #expect(abs(Int(level) - value) == abs(best - value), "\(value) → \(level)")
    }
  }
}
