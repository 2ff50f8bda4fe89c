import TerminalScreen

extension Theme {
  /// Roles whose meaning is a filled background (a highlighted row, the field being typed in, the
  /// bar along the bottom, a badge, the cursor). Without colours they get reverse video instead.
  public static let monochromeReverseRoles: Set<StyleRole> = [
    .selection, .inputFocused, .statusBar, .badgeOnline, .badgeOffline, .cursor,
  ]

  /// This theme reduced to what a terminal of `depth` can show, so views never have to care.
  ///
  /// - truecolor: unchanged.
  /// - 256 colours: `#rrggbb` becomes the nearest xterm colour from the 6×6×6 cube and the grey ramp.
  /// - 16 colours: `#rrggbb` and 256-colour indices become one of the 16 ANSI colours (see
  ///   ``TerminalColor/nearestANSI()``).
  /// - monochrome: every colour becomes the terminal's default; attributes stay, and the
  ///   ``monochromeReverseRoles`` get `reverse` so a selection or the status bar stays visible.
  public func downgraded(to depth: ColorDepth) -> Theme {
    guard depth != .truecolor else { return self }
    var result = self
    for (role, style) in styles {
      var reduced = style
      switch depth {
      case .truecolor:
        break
      case .indexed256:
        reduced.foreground = style.foreground.nearestIndexed256()
        reduced.background = style.background.nearestIndexed256()
      case .ansi16:
        reduced.foreground = style.foreground.nearestANSI()
        reduced.background = style.background.nearestANSI()
      case .monochrome:
        reduced.foreground = .default
        reduced.background = .default
        if Self.monochromeReverseRoles.contains(role) { reduced.attributes.insert(.reverse) }
      }
      result.styles[role] = reduced
    }
    return result
  }
}

extension TerminalColor {
  /// The red, green and blue levels of the xterm 6×6×6 cube (indices 16–231).
  static let cubeLevels: [UInt8] = [0, 95, 135, 175, 215, 255]

  /// xterm's default values for the 16 ANSI colours: what `nearestANSI` assumes a terminal shows
  /// when it converts an index above 15 to RGB first.
  static let xtermANSI: [(UInt8, UInt8, UInt8)] = [
    (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
    (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255),
    (255, 255, 255),
  ]

  /// The RGB value xterm gives a 256-colour index.
  static func xtermRGB(_ index: UInt8) -> (UInt8, UInt8, UInt8) {
    switch index {
    case 0..<16:
      return xtermANSI[Int(index)]
    case 16..<232:
      let offset = Int(index) - 16
      return (cubeLevels[offset / 36], cubeLevels[offset / 6 % 6], cubeLevels[offset % 6])
    default:
      let level = UInt8(8 + 10 * (Int(index) - 232))
      return (level, level, level)
    }
  }

  /// An RGB colour as the nearest of xterm's indices 16–255 (cube and greys) by RGB distance.
  ///
  /// Indices 0–15 are never chosen: terminals remap them to their own palette, so they would not be
  /// the colour the theme asked for. On a tie the cube wins (it comes first).
  public func nearestIndexed256() -> TerminalColor {
    guard case .rgb(let red, let green, let blue) = self else { return self }
    var best: (index: UInt8, distance: Int) = (16, .max)
    for index in UInt8(16)...UInt8(255) {
      let candidate = Self.xtermRGB(index)
      let distance = Self.distance((red, green, blue), candidate)
      if distance < best.distance { best = (index, distance) }
    }
    return .indexed(best.index)
  }

  /// One of the 16 ANSI colours for an RGB or 256-colour value, by hue family then lightness.
  ///
  /// Plain RGB distance is not used because it sends the pastel accents of a dark theme to grey: a
  /// green "completed" and a pink "failed" would both turn white. Instead:
  /// - greyish colours (max − min channel below 48) become black, bright black, white or bright
  ///   white by lightness (cut at 20 %, 70 %, 95 %: a dark
  ///   surface such as #313244 stays apart from a black terminal background);
  /// - others take the nearest of the six hues (red 0°, yellow 60°, green 120°, cyan 180°, blue 240°,
  ///   magenta 300°), in its bright form when the HSL lightness is above 55 %.
  /// Indices 0–15 are ANSI already and are kept as they are.
  public func nearestANSI() -> TerminalColor {
    switch self {
    case .default, .ansi:
      return self
    case .indexed(let index) where index < 16:
      return .ansi(index)
    case .indexed(let index):
      let (red, green, blue) = Self.xtermRGB(index)
      return Self.ansi(red: red, green: green, blue: blue)
    case .rgb(let red, let green, let blue):
      return Self.ansi(red: red, green: green, blue: blue)
    }
  }

  static func ansi(red: UInt8, green: UInt8, blue: UInt8) -> TerminalColor {
    let r = Int(red)
    let g = Int(green)
    let b = Int(blue)
    let high = max(r, g, b)
    let low = min(r, g, b)
    let chroma = high - low
    let lightness = Double(high + low) / 510
    guard chroma >= 48 else {
      switch lightness {
      case ..<0.20: return .ansi(0)
      case ..<0.70: return .ansi(8)
      case ..<0.95: return .ansi(7)
      default: return .ansi(15)
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
    let sector = Int((degrees / 60).rounded()) % 6
    let base = byHue[sector]
    return .ansi(lightness > 0.55 ? base + 8 : base)
  }

  static func distance(_ a: (UInt8, UInt8, UInt8), _ b: (UInt8, UInt8, UInt8)) -> Int {
    let dr = Int(a.0) - Int(b.0)
    let dg = Int(a.1) - Int(b.1)
    let db = Int(a.2) - Int(b.2)
    return dr * dr + dg * dg + db * db
  }
}
