import TerminalScreen

/// A colour the terminal can actually show, after reduction to its depth.
enum PlannedColor: Sendable, Hashable {
  /// The terminal's own default (ncurses colour -1 via `use_default_colors`).
  case `default`
  /// A palette entry (0–255; 0–15 when the depth is 16, 0–7 on an eight-colour terminal).
  case palette(UInt8)
  /// A direct RGB colour (only at ``ColorDepth/truecolor`` on a direct-colour terminfo entry).
  case rgb(UInt8, UInt8, UInt8)
}

/// How one role is drawn on this terminal: colours it can show plus attributes.
struct PlannedStyle: Sendable, Hashable {
  var foreground: PlannedColor
  var background: PlannedColor
  var attributes: TextAttributes
}

/// Reduces theme colours to what the terminal can show, and detects that depth.
///
/// Pure, so the downgrading rules are tested without a terminal: rgb goes to the nearest of the 256
/// (cube or grey ramp, never 0–15, whose look depends on the user's palette), and 256 go to the
/// nearest of the 16. In monochrome only attributes remain, and a role that marks itself with a
/// background (a selection, the status bar) gets `reverse` so it stays visible.
enum ColorPlanner {
  /// The depth to draw with.
  ///
  /// - Parameters:
  ///   - environment: `NO_COLOR` (non-empty) forces monochrome; `COLORTERM=truecolor|24bit` allows
  ///     truecolor, but only on a direct-colour terminfo entry (`RGB` flag or 2^24 colours): ncurses
  ///     can only send RGB there. Redefining palette slots with `init_color` would also "work",
  ///     but it changes the user's palette for every other program in that terminal, so it is not used.
  ///   - colors: ncurses' `COLORS`; `hasColors`: `has_colors()`; `directColor`: `tigetflag("RGB") > 0`.
  static func detectDepth(environment: [String: String], hasColors: Bool, colors: Int, directColor: Bool) -> ColorDepth {
    if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return .monochrome }
    guard hasColors else { return .monochrome }
    let colorTerm = environment["COLORTERM"]?.lowercased() ?? ""
    let direct = directColor || colors >= 1 << 24
    if direct && (colorTerm == "truecolor" || colorTerm == "24bit") { return .truecolor }
    if colors >= 256 { return .indexed256 }
    if colors >= 8 { return .ansi16 }
    return .monochrome
  }

  /// The deepest depth this terminal can draw, whatever the environment says (caps a forced depth).
  static func maximumDepth(hasColors: Bool, colors: Int, directColor: Bool) -> ColorDepth {
    guard hasColors else { return .monochrome }
    if directColor || colors >= 1 << 24 { return .truecolor }
    if colors >= 256 { return .indexed256 }
    if colors >= 8 { return .ansi16 }
    return .monochrome
  }

  /// `style` as this terminal can draw it.
  ///
  /// - Parameter colors: the terminal's colour count; with 8, bright colours become their normal
  ///   colour, plus bold for a foreground (the classic "bold is bright").
  static func plan(_ style: RoleStyle, depth: ColorDepth, colors: Int = 256) -> PlannedStyle {
    if depth == .monochrome {
      var attributes = style.attributes
      if style.background != .default { attributes.insert(.reverse) }
      return PlannedStyle(foreground: .default, background: .default, attributes: attributes)
    }
    var attributes = style.attributes
    var foreground = reduce(style.foreground, to: depth)
    var background = reduce(style.background, to: depth)
    if depth == .ansi16 && colors < 16 {
      if case .palette(let index) = foreground, index >= 8 {
        foreground = .palette(index - 8)
        attributes.insert(.bold)
      }
      if case .palette(let index) = background, index >= 8 { background = .palette(index - 8) }
    }
    return PlannedStyle(foreground: foreground, background: background, attributes: attributes)
  }

  /// One colour reduced to `depth` (never called with monochrome, which keeps no colours).
  static func reduce(_ color: TerminalColor, to depth: ColorDepth) -> PlannedColor {
    switch (color, depth) {
    case (.default, _), (_, .monochrome):
      return .default
    case (.ansi(let index), _):
      return .palette(index & 15)
    case (.indexed(let index), .ansi16):
      return .palette(index < 16 ? index : nearest16(rgb(ofIndexed: index)))
    case (.indexed(let index), _):
      return .palette(index)
    case (.rgb(let r, let g, let b), .ansi16):
      return .palette(nearest16((r, g, b)))
    case (.rgb(let r, let g, let b), .indexed256):
      return .palette(nearest256((r, g, b)))
    case (.rgb(let r, let g, let b), .truecolor):
      return .rgb(r, g, b)
    }
  }

  /// The ncurses colour number for `color`: -1 for the default; on a direct-colour terminal
  /// (where numbers from 8 up are 0xRRGGBB) palette entries above 7 become their RGB value.
  static func curses(_ color: PlannedColor, direct: Bool) -> Int32 {
    switch color {
    case .default:
      return -1
    case .palette(let index):
      guard direct, index >= 8 else { return Int32(index) }
      let (r, g, b) = rgb(ofIndexed: index)
      return directValue(r, g, b)
    case .rgb(let r, let g, let b):
      return direct ? directValue(r, g, b) : Int32(nearest256((r, g, b)))
    }
  }

  /// Direct-colour value; values below 8 mean palette entries there, so near-black moves to 8.
  private static func directValue(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int32 {
    max(8, Int32(r) << 16 | Int32(g) << 8 | Int32(b))
  }

  /// xterm's default values for the 16 ANSI colours (what "nearest" is measured against).
  static let ansiPalette: [(UInt8, UInt8, UInt8)] = [
    (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
    (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255),
    (255, 255, 255),
  ]

  private static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]

  /// The RGB value xterm gives palette entry `index`.
  static func rgb(ofIndexed index: UInt8) -> (UInt8, UInt8, UInt8) {
    switch index {
    case 0..<16:
      return ansiPalette[Int(index)]
    case 16..<232:
      let cube = Int(index) - 16
      return (UInt8(cubeLevels[cube / 36]), UInt8(cubeLevels[cube / 6 % 6]), UInt8(cubeLevels[cube % 6]))
    default:
      let level = UInt8(8 + 10 * (Int(index) - 232))
      return (level, level, level)
    }
  }

  /// Nearest of the 240 fixed colours (cube 16–231, greys 232–255).
  static func nearest256(_ color: (UInt8, UInt8, UInt8)) -> UInt8 {
    let (r, g, b) = (Int(color.0), Int(color.1), Int(color.2))
    func level(_ value: Int) -> Int {
      cubeLevels.indices.min { abs(cubeLevels[$0] - value) < abs(cubeLevels[$1] - value) } ?? 0
    }
    let cube = 16 + 36 * level(r) + 6 * level(g) + level(b)
    let greyStep = min(23, max(0, ((r + g + b) / 3 - 8 + 5) / 10))
    let grey = 232 + greyStep
    let candidates = [cube, grey]
    return UInt8(candidates.min { distance(rgb(ofIndexed: UInt8($0)), (r, g, b)) < distance(rgb(ofIndexed: UInt8($1)), (r, g, b)) }!)
  }

  /// Nearest of the 16 ANSI colours by xterm's default values.
  static func nearest16(_ color: (UInt8, UInt8, UInt8)) -> UInt8 {
    let target = (Int(color.0), Int(color.1), Int(color.2))
    return UInt8(ansiPalette.indices.min { distance(ansiPalette[$0], target) < distance(ansiPalette[$1], target) }!)
  }

  private static func distance(_ a: (UInt8, UInt8, UInt8), _ b: (Int, Int, Int)) -> Int {
    let dr = Int(a.0) - b.0
    let dg = Int(a.1) - b.1
    let db = Int(a.2) - b.2
    return dr * dr + dg * dg + db * db
  }
}
