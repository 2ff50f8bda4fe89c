import StudioUI
import TerminalGraphics
import TerminalScreen

/// How decoded frames become the studio's pictures: coloured symbols in the screen model (every
/// terminal, tmux included), or, with a pixel protocol (kitty, iTerm2, sixel: detected or forced
/// with `--graphics`), blank cells with the picture's escape over them (``PixelPlacement``).
///
/// Pure and `Sendable`: the conversions run on threads of their own (a still's chafa search, a
/// playing frame on the decoder's reader thread).
struct PreviewPictures: Sendable {
  let mode: GraphicsMode
  let depth: ColorDepth
  /// Pixels per cell (the terminal's, when it reports them), for the pixel protocols' sizes.
  let cellSize: PixelSize

  /// Pixels decoded per cell for symbols: 2 × 4 per quadrant for chafa to choose shapes from, and
  /// no more: at 8 × 16 a 120 × 40 playback piped 59 MB/s of RGBA from the decoder and took 30 % of a core.
  static let symbolPixelsPerCell = PixelSize(width: 4, height: 8)

  /// The decoding box for a still in `box` cells.
  func stillPixels(_ box: CellSize) -> PixelSize {
    let perCell = mode.isPixelProtocol ? cellSize : Self.symbolPixelsPerCell
    return PixelSize(width: max(1, box.columns * perCell.width), height: max(1, box.rows * perCell.height))
  }

  /// The decoding box for playback in `box` cells: one pixel per half cell for half blocks (no
  /// scaling after the decoder's), the cells' pixels for a pixel protocol.
  func playingPixels(_ box: CellSize) -> PixelSize {
    mode.isPixelProtocol
      ? stillPixels(box) : HalfBlockRenderer.pixelSize(columns: max(1, box.columns), rows: max(1, box.rows))
  }

  /// A still frame in the largest part of `box` with its shape: chafa's symbols, or pixels.
  func still(_ frame: TimedFrame, box: CellSize) -> PreviewPicture {
    if mode.isPixelProtocol { return pixels(frame, box: box) }
    let size = PixelSize(width: frame.image.width, height: frame.image.height)
    let cells = PictureFit.cells(for: size, maxColumns: box.columns, maxRows: box.rows)
    let art = SymbolRenderer.render(frame.image, columns: cells.columns, rows: cells.rows, depth: depth)
    return PreviewPicture(time: frame.time, art: art)
  }

  /// A playing frame: half blocks (the decoder scaled it to two pixels a cell), or pixels.
  func playing(_ frame: TimedFrame, box: CellSize) -> PreviewPicture {
    if mode.isPixelProtocol { return pixels(frame, box: box) }
    return PreviewPicture(time: frame.time, art: HalfBlockRenderer.render(frame.image, depth: depth))
  }

  /// Blank cells of the picture's size in `box`, and its escape over them.
  private func pixels(_ frame: TimedFrame, box: CellSize) -> PreviewPicture {
    let size = PixelSize(width: frame.image.width, height: frame.image.height)
    let cells = PictureFit.cells(for: size, maxColumns: box.columns, maxRows: box.rows, cellSize: cellSize)
    let blank = CellArt(
      width: cells.columns, height: cells.rows, cells: Array(repeating: Cell(" "), count: cells.columns * cells.rows))
    guard
      let escape = PixelEncoder.encode(
        frame.image, mode: mode, columns: cells.columns, rows: cells.rows, cellSize: cellSize)
    else { return PreviewPicture(time: frame.time, art: blank) }
    let placement = PixelPlacement(
      x: 0, y: 0, columns: cells.columns, rows: cells.rows, layer: mode == .kitty ? .above : .inCells, escape: escape)
    return PreviewPicture(time: frame.time, art: blank, pixels: placement)
  }
}
