import CChafa
import TerminalScreen

/// Pictures as coloured block symbols: an ``RGBAImage`` becomes ``CellArt`` for the screen model.
///
/// For stills (sheets, thumbnails): chafa picks among half blocks and quadrants per cell, which
/// costs 10–25 ms for a 120 × 34 picture. Playback uses ``HalfBlockRenderer`` instead.
///
/// The configuration is fixed so the same pixels always give the same cells (snapshot tests rely
/// on it): half blocks, quadrants, the full block and space (in every font, one column wide),
/// no dithering, no preprocessing, RGB colour space, average colour extraction, one chafa thread.
/// The canvas mode follows the terminal's depth, so chafa picks symbols knowing which colours can
/// be shown: truecolor gives RGB, 256 colours xterm indices, 16 colours ANSI ones; monochrome
/// keeps only the shapes (the terminal's own colours).
public enum SymbolRenderer {
  /// `image` scaled (by chafa, any source size) to exactly `columns` × `rows` cells.
  public static func render(_ image: RGBAImage, columns: Int, rows: Int, depth: ColorDepth) -> CellArt {
    guard columns > 0, rows > 0, !image.isEmpty else { return CellArt(width: 0, height: 0, cells: []) }
    guard ChafaSetup.ready else { return CellArt(width: 0, height: 0, cells: []) }
    let config = chafa_canvas_config_new()
    defer { chafa_canvas_config_unref(config) }
    chafa_canvas_config_set_geometry(config, Int32(columns), Int32(rows))
    chafa_canvas_config_set_pixel_mode(config, CHAFA_PIXEL_MODE_SYMBOLS)
    chafa_canvas_config_set_canvas_mode(config, canvasMode(depth))
    chafa_canvas_config_set_dither_mode(config, CHAFA_DITHER_MODE_NONE)
    chafa_canvas_config_set_color_space(config, CHAFA_COLOR_SPACE_RGB)
    chafa_canvas_config_set_color_extractor(config, CHAFA_COLOR_EXTRACTOR_AVERAGE)
    chafa_canvas_config_set_preprocessing_enabled(config, 0)
    let symbols = chafa_symbol_map_new()
    defer { chafa_symbol_map_unref(symbols) }
    let tags =
      CHAFA_SYMBOL_TAG_HALF.rawValue | CHAFA_SYMBOL_TAG_QUAD.rawValue | CHAFA_SYMBOL_TAG_SPACE.rawValue
      | CHAFA_SYMBOL_TAG_SOLID.rawValue
    chafa_symbol_map_add_by_tags(symbols, ChafaSymbolTags(rawValue: tags))
    chafa_canvas_config_set_symbol_map(config, symbols)
    let canvas = chafa_canvas_new(config)
    defer { chafa_canvas_unref(canvas) }
    image.pixels.withUnsafeBufferPointer { pixels in
      chafa_canvas_draw_all_pixels(
        canvas, CHAFA_PIXEL_RGBA8_UNASSOCIATED, pixels.baseAddress, Int32(image.width), Int32(image.height),
        Int32(image.width * 4))
    }
    var cells: [Cell] = []
    cells.reserveCapacity(columns * rows)
    var foreground: Int32 = 0
    var background: Int32 = 0
    for y in 0..<Int32(rows) {
      for x in 0..<Int32(columns) {
        let scalar = Unicode.Scalar(chafa_canvas_get_char_at(canvas, x, y)) ?? " "
        chafa_canvas_get_raw_colors_at(canvas, x, y, &foreground, &background)
        let colors = CellColors(
          foreground: color(foreground, depth: depth), background: color(background, depth: depth))
        cells.append(Cell(String(Character(scalar)), colors: colors))
      }
    }
    return CellArt(width: columns, height: rows, cells: cells)
  }

  private static func canvasMode(_ depth: ColorDepth) -> ChafaCanvasMode {
    switch depth {
    case .truecolor: CHAFA_CANVAS_MODE_TRUECOLOR
    case .indexed256: CHAFA_CANVAS_MODE_INDEXED_240
    case .ansi16: CHAFA_CANVAS_MODE_INDEXED_16
    case .monochrome: CHAFA_CANVAS_MODE_FGBG
    }
  }

  /// A raw canvas colour as the screen model's: packed RGB, a 256-colour index or an ANSI index
  /// by depth; negative (transparent, or none in FGBG mode) is the terminal's own.
  private static func color(_ raw: Int32, depth: ColorDepth) -> TerminalColor {
    guard raw >= 0 else { return .default }
    switch depth {
    case .truecolor: return .rgb(UInt8(raw >> 16 & 0xFF), UInt8(raw >> 8 & 0xFF), UInt8(raw & 0xFF))
    case .indexed256: return raw < 256 ? .indexed(UInt8(raw)) : .default
    case .ansi16: return raw < 16 ? .ansi(UInt8(raw)) : .default
    case .monochrome: return .default
    }
  }
}
