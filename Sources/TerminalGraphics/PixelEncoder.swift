import CChafa
import TerminalScreen

/// Pictures as pixel-protocol escapes: an ``RGBAImage`` sized to an area of cells, encoded by
/// chafa as kitty graphics (RGBA, base64, in chunks of 4,096 with `m=1` until the last, `m=0`),
/// an iTerm2 inline image (`OSC 1337;File=…;inline=1`) or sixels (`DCS … q`, raster attributes).
///
/// The text starts wherever the cursor is: the terminal side places it (and wraps it for tmux).
public enum PixelEncoder {
  /// The cell size assumed when the terminal does not report its pixels (`TIOCGWINSZ` gives 0).
  public static let defaultCellSize = PixelSize(width: 10, height: 20)

  /// `image` scaled to `columns` × `rows` cells of `cellSize` pixels, as `mode`'s escapes; nil for
  /// a mode that is not a pixel protocol or an empty area.
  public static func encode(
    _ image: RGBAImage, mode: GraphicsMode, columns: Int, rows: Int, cellSize: PixelSize = defaultCellSize
  ) -> String? {
    guard columns > 0, rows > 0, !image.isEmpty, cellSize.width > 0, cellSize.height > 0 else { return nil }
    let pixelMode: ChafaPixelMode
    switch mode {
    case .kitty: pixelMode = CHAFA_PIXEL_MODE_KITTY
    case .iterm: pixelMode = CHAFA_PIXEL_MODE_ITERM2
    case .sixel: pixelMode = CHAFA_PIXEL_MODE_SIXELS
    case .symbols, .none: return nil
    }
    guard ChafaSetup.ready else { return nil }
    let config = chafa_canvas_config_new()
    defer { chafa_canvas_config_unref(config) }
    chafa_canvas_config_set_geometry(config, Int32(columns), Int32(rows))
    chafa_canvas_config_set_cell_geometry(config, Int32(cellSize.width), Int32(cellSize.height))
    chafa_canvas_config_set_pixel_mode(config, pixelMode)
    chafa_canvas_config_set_canvas_mode(config, CHAFA_CANVAS_MODE_TRUECOLOR)
    chafa_canvas_config_set_dither_mode(config, CHAFA_DITHER_MODE_NONE)
    let canvas = chafa_canvas_new(config)
    defer { chafa_canvas_unref(canvas) }
    image.pixels.withUnsafeBufferPointer { pixels in
      chafa_canvas_draw_all_pixels(
        canvas, CHAFA_PIXEL_RGBA8_UNASSOCIATED, pixels.baseAddress, Int32(image.width), Int32(image.height),
        Int32(image.width * 4))
    }
    guard let printed = chafa_canvas_print(canvas, nil) else { return nil }
    defer { g_string_free(printed, 1) }
    let bytes = UnsafeRawBufferPointer(start: printed.pointee.str, count: Int(printed.pointee.len))
    return String(decoding: bytes, as: UTF8.self)
  }

  /// The escape that removes every kitty image from the screen (`a=d`: delete all placements);
  /// iTerm2 and sixel pictures are plain cells to the terminal and go when the cells are redrawn.
  public static let kittyDeleteAll = "\u{1B}_Ga=d\u{1B}\\"
}
