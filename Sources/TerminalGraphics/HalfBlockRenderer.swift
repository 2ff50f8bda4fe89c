import TerminalScreen

/// Pictures as upper half blocks, one pixel per half cell, without chafa: the renderer for
/// playback in symbols mode (the studio's and the CLI's).
///
/// chafa's symbol matching (quadrants, colour extraction over the pixels of a cell) is what a
/// still sheet deserves, but at 24 frames a second on 120×40 it costs five times the decoding
/// itself (10–25 ms a frame, whatever its work factor; docs/PERFORMANCE.md, "Previews"). Here the
/// decoder scales each frame to exactly `columns` × `2 × rows` pixels and every cell is `▀` with
/// the top pixel as ink and the bottom one as paper, which is what timg's half-block mode does:
/// the same picture at a fraction of the cost.
public enum HalfBlockRenderer {
  /// The pixel size to decode for `columns` × `rows` cells.
  public static func pixelSize(columns: Int, rows: Int) -> PixelSize {
    PixelSize(width: columns, height: rows * 2)
  }

  /// `image` as cells: one column a pixel, one row two pixels (an odd last row gets the terminal's
  /// own paper). Colours at `depth` by arithmetic, not search (see ``color(_:_:_:depth:)``), so a
  /// 256-colour terminal does not pay a nearest-colour search per pixel; RGB by default.
  public static func render(_ image: RGBAImage, depth: ColorDepth = .truecolor) -> CellArt {
    let columns = image.width
    let rows = (image.height + 1) / 2
    var cells: [Cell] = []
    cells.reserveCapacity(columns * rows)
    image.pixels.withUnsafeBufferPointer { pixels in
      func color(_ x: Int, _ y: Int) -> TerminalColor {
        guard y < image.height else { return .default }
        let offset = (y * columns + x) * 4
        return Self.color(pixels[offset], pixels[offset + 1], pixels[offset + 2], depth: depth)
      }
      for row in 0..<rows {
        for x in 0..<columns {
          cells.append(Cell("▀", colors: CellColors(foreground: color(x, 2 * row), background: color(x, 2 * row + 1))))
        }
      }
    }
    return CellArt(width: columns, height: rows, cells: cells)
  }

  /// The colour at `depth`: RGB as it is; the nearest level of xterm's 6 × 6 × 6 cube; ColorPlanner's
  /// 16-colour rule; none in monochrome (the shapes still show).
  static func color(_ r: UInt8, _ g: UInt8, _ b: UInt8, depth: ColorDepth) -> TerminalColor {
    switch depth {
    case .truecolor:
      return .rgb(r, g, b)
    case .indexed256:
      func level(_ value: UInt8) -> Int { value < 48 ? 0 : value < 115 ? 1 : (Int(value) - 35) / 40 }
      return .indexed(UInt8(16 + 36 * level(r) + 6 * level(g) + level(b)))
    case .ansi16:
      guard case .palette(let index) = ColorPlanner.reduce(.rgb(r, g, b), to: .ansi16) else { return .default }
      return .ansi(index)
    case .monochrome:
      return .default
    }
  }
}
