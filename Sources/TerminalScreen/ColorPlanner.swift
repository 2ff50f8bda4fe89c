/// A colour the terminal can actually show, after reduction to its depth.
public enum PlannedColor: Sendable, Hashable {
  /// The terminal's own default (ncurses colour -1 via `use_default_colors`).
  case `default`
  /// A palette entry (0–255; 0–15 when the depth is 16, 0–7 on an eight-colour terminal).
  case palette(UInt8)
  /// A direct RGB colour (only at ``ColorDepth/truecolor``).
  case rgb(UInt8, UInt8, UInt8)
}

/// How one role is drawn on a terminal: colours it can show plus attributes.
public struct PlannedStyle: Sendable, Hashable {
  public var foreground: PlannedColor
  public var background: PlannedColor
  public var attributes: TextAttributes

  public init(foreground: PlannedColor, background: PlannedColor, attributes: TextAttributes) {
    self.foreground = foreground
    self.background = background
    self.attributes = attributes
  }
}

/// The one colour pipeline: theme colours reduced to what the terminal can show, and that depth.
///
/// Themes keep the colours their files name; the terminal plans each role once per theme with
/// ``plan(_:role:depth:colors:)``, so views never have to care. Pure, so the rules are tested
/// without a terminal:
/// - truecolor: RGB stays RGB;
/// - 256 colours: RGB becomes the nearest of xterm's 16–255 (cube and greys, never 0–15, whose look
///   depends on the user's palette);
/// - 16 colours: RGB and 256-colour indices become one of the 16 ANSI colours by hue and lightness
///   (see ``nearest16(_:)``);
/// - monochrome: only attributes remain, and the roles that mark themselves with a background (a
///   selection, the status bar: ``monochromeReverseRoles``) get `reverse` so they stay visible.
public enum ColorPlanner {
  /// Roles whose meaning is a filled background (a highlighted row, the field being typed in, the
  /// bar along the bottom, a badge, the cursor). Without colours they get reverse video instead;
  /// large areas with a background (an overlay) are not inverted.
  public static let monochromeReverseRoles: Set<StyleRole> = [
    .selection, .inputFocused, .statusBar, .badgeOnline, .badgeOffline, .cursor,
  ]

  /// The depth to draw with.
  ///
  /// - Parameters:
  ///   - environment: `NO_COLOR` (non-empty) forces monochrome; `COLORTERM=truecolor|24bit` allows
  ///     truecolor, but only on a direct-colour terminfo entry (`RGB` flag or 2^24 colours): ncurses
  ///     can only send RGB there. Redefining palette slots with `init_color` would also "work",
  ///     but it changes the user's palette for every other program in that terminal, so it is not used.
  ///   - colors: ncurses' `COLORS`; `hasColors`: `has_colors()`; `directColor`: `tigetflag("RGB") > 0`.
  public static func detectDepth(environment: [String: String], hasColors: Bool, colors: Int, directColor: Bool)
    -> ColorDepth
  {
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
  public static func maximumDepth(hasColors: Bool, colors: Int, directColor: Bool) -> ColorDepth {
    guard hasColors else { return .monochrome }
    if directColor || colors >= 1 << 24 { return .truecolor }
    if colors >= 256 { return .indexed256 }
    if colors >= 8 { return .ansi16 }
    return .monochrome
  }

  /// `style` (the style of `role`) as a terminal of `depth` can draw it.
  ///
  /// - Parameter colors: the terminal's colour count; with 8, bright colours become their normal
  ///   colour, plus bold for a foreground (the classic "bold is bright").
  public static func plan(_ style: RoleStyle, role: StyleRole, depth: ColorDepth, colors: Int = 256) -> PlannedStyle {
    if depth == .monochrome {
      var attributes = style.attributes
      if monochromeReverseRoles.contains(role) { attributes.insert(.reverse) }
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

  /// A picture cell's own colours as a terminal of `depth` can draw them: each reduced like a
  /// theme's (with 8 colours, bright becomes normal). Monochrome keeps none: the symbols' shapes
  /// still show the picture.
  public static func plan(_ colors: CellColors, depth: ColorDepth, colors count: Int = 256) -> PlannedStyle {
    var foreground = reduce(colors.foreground, to: depth)
    var background = reduce(colors.background, to: depth)
    if depth == .ansi16 && count < 16 {
      if case .palette(let index) = foreground, index >= 8 { foreground = .palette(index - 8) }
      if case .palette(let index) = background, index >= 8 { background = .palette(index - 8) }
    }
    return PlannedStyle(foreground: foreground, background: background, attributes: [])
  }

  /// One colour reduced to `depth` (monochrome keeps none).
  public static func reduce(_ color: TerminalColor, to depth: ColorDepth) -> PlannedColor {
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

  /// xterm's default values for the 16 ANSI colours.
  static let ansiPalette: [(UInt8, UInt8, UInt8)] = [
    (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
    (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255),
    (255, 255, 255),
  ]

  /// The red, green and blue levels of the xterm 6×6×6 cube (indices 16–231).
  private static let cubeLevels: [UInt8] = [0, 95, 135, 175, 215, 255]

  /// The RGB value xterm gives palette entry `index`.
  public static func rgb(ofIndexed index: UInt8) -> (UInt8, UInt8, UInt8) {
    switch index {
    case 0..<16:
      return ansiPalette[Int(index)]
    case 16..<232:
      let cube = Int(index) - 16
      return (cubeLevels[cube / 36], cubeLevels[cube / 6 % 6], cubeLevels[cube % 6])
    default:
      let level = UInt8(8 + 10 * (Int(index) - 232))
      return (level, level, level)
    }
  }

  /// The nearest of xterm's fixed colours 16–255 (cube and greys) by RGB distance, found by trying
  /// all 240 (once per role and theme). On a tie the lower index (the cube) wins.
  static func nearest256(_ color: (UInt8, UInt8, UInt8)) -> UInt8 {
    var best: (index: UInt8, distance: Int) = (16, .max)
    for index in UInt8(16)...UInt8(255) {
      let distance = distance(rgb(ofIndexed: index), color)
      if distance < best.distance { best = (index, distance) }
    }
    return best.index
  }

  /// One of the 16 ANSI colours, by hue family then lightness.
  ///
  /// Plain RGB distance is not used because it sends the pastel accents of a dark theme to grey: a
  /// green "completed" and a pink "failed" would both turn white. Instead:
  /// - greyish colours (max − min channel below 48) become black, bright black, white or bright
  ///   white by lightness (cut at 20 %, 70 %, 95 %: a dark surface such as #313244 stays apart from
  ///   a black terminal background);
  /// - others take the nearest of the six hues (red 0°, yellow 60°, green 120°, cyan 180°, blue 240°,
  ///   magenta 300°), in its bright form when the HSL lightness is above 55 %.
  static func nearest16(_ color: (UInt8, UInt8, UInt8)) -> UInt8 {
    let (r, g, b) = (Int(color.0), Int(color.1), Int(color.2))
    let high = max(r, g, b)
    let low = min(r, g, b)
    let chroma = high - low
    let lightness = Double(high + low) / 510
    guard chroma >= 48 else {
      switch lightness {
      case ..<0.20: return 0
      case ..<0.70: return 8
      case ..<0.95: return 7
      default: return 15
      }
    }
    let hue: Double
    let c = Double(chroma)
    if high == r {
      hue = 60 * (Double(g - b) / c).truncatingRemainder(dividingBy: 6)
    } else if high == g {
      hue = 60 * (Double(b - r) / c + 2)
    } else {
      hue = 60 * (Double(r - g) / c + 4)
    }
    let degrees = hue < 0 ? hue + 360 : hue
    // ANSI order: 1 red, 3 yellow, 2 green, 6 cyan, 4 blue, 5 magenta, at 0°, 60°, … 300°.
    let byHue: [UInt8] = [1, 3, 2, 6, 4, 5]
    let base = byHue[Int((degrees / 60).rounded()) % 6]
    return lightness > 0.55 ? base + 8 : base
  }

  private static func distance(_ a: (UInt8, UInt8, UInt8), _ b: (UInt8, UInt8, UInt8)) -> Int {
    let dr = Int(a.0) - Int(b.0)
    let dg = Int(a.1) - Int(b.1)
    let db = Int(a.2) - Int(b.2)
    return dr * dr + dg * dg + db * db
  }
}
