import TerminalScreen

/// Pictures as upper half blocks, one pixel per half cell, without chafa: the renderer for
/// playback in symbols mode.
///
/// chafa's symbol matching (quadrants, colour extraction over 8×8 pixels a cell) is what a still
/// sheet deserves, but at 24 frames a second on 120×40 it costs five times the decoding itself
/// (docs/PERFORMANCE.md, "Previews"). Here the decoder scales each frame to exactly `columns` ×
/// `2 × rows` pixels and every cell is `▀` with the top pixel as ink and the bottom one as paper,
/// which is what timg's half-block mode does: the same picture at a fraction of the cost.
public enum HalfBlockRenderer {
  /// The pixel size to decode for `columns` × `rows` cells.
  public static func pixelSize(columns: Int, rows: Int) -> PixelSize {
    PixelSize(width: columns, height: rows * 2)
  }

  /// `image` (ideally ``pixelSize(columns:rows:)``; anything else is sampled) as cells: one column
  /// a pixel, one row two pixels. Colours are RGB: the terminal side reduces them to its depth.
  public static func render(_ image: RGBAImage) -> CellArt {
    let columns = image.width
    let rows = (image.height + 1) / 2
    var cells: [Cell] = []
    cells.reserveCapacity(columns * rows)
    image.pixels.withUnsafeBufferPointer { pixels in
      func color(_ x: Int, _ y: Int) -> TerminalColor {
        guard y < image.height else { return .default }
        let offset = (y * columns + x) * 4
        return .rgb(pixels[offset], pixels[offset + 1], pixels[offset + 2])
      }
      for row in 0..<rows {
        for x in 0..<columns {
          cells.append(Cell("▀", colors: CellColors(foreground: color(x, 2 * row), background: color(x, 2 * row + 1))))
        }
      }
    }
    return CellArt(width: columns, height: rows, cells: cells)
  }
}
