import TerminalScreen

/// Video frames as upper half blocks (`▀`): each cell shows two pixels, the top one as ink and
/// the bottom one as paper, as timg does in its half-block mode.
///
/// Measured on a 120 × 34 picture: chafa's symbol search (``SymbolRenderer``) took 10–25 ms a
/// frame whatever its work factor, most of the studio's CPU during playback; reading two pixels a
/// cell takes a fraction of a millisecond. Shapes are coarser than quadrants, which a moving picture
/// hides. Give it an image already scaled to `columns` × `2 × rows` pixels (ffmpeg does it while
/// decoding); another size is sampled at the nearest pixel.
public enum HalfBlockRenderer {
  public static func render(_ image: RGBAImage, columns: Int, rows: Int, depth: ColorDepth) -> CellArt {
    guard columns > 0, rows > 0, !image.isEmpty else { return CellArt(width: 0, height: 0, cells: []) }
    var cells: [Cell] = []
    cells.reserveCapacity(columns * rows)
    image.pixels.withUnsafeBufferPointer { pixels in
      func color(_ x: Int, _ y: Int) -> TerminalColor {
        let px = min(image.width - 1, x * image.width / columns)
        let py = min(image.height - 1, y * image.height / (rows * 2))
        let offset = (py * image.width + px) * 4
        return Self.color(pixels[offset], pixels[offset + 1], pixels[offset + 2], depth: depth)
      }
      for row in 0..<rows {
        for column in 0..<columns {
          let colors = CellColors(foreground: color(column, row * 2), background: color(column, row * 2 + 1))
          cells.append(Cell("▀", colors: colors))
        }
      }
    }
    return CellArt(width: columns, height: rows, cells: cells)
  }

  /// The colour at `depth`, by arithmetic rather than search: RGB as it is; the nearest level of
  /// xterm's 6 × 6 × 6 cube; ColorPlanner's 16-colour rule.
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
