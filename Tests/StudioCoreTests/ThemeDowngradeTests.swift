import StudioCore
import TerminalScreen
import Testing

/// Colour depth detection and reducing a theme to it: what makes the studio readable on 256- and
/// 16-colour terminals and under NO_COLOR.
@Suite struct ThemeDowngradeTests {
  @Test(arguments: [
    // (environment, terminfo colours, expected)
    (["NO_COLOR": "1", "COLORTERM": "truecolor", "TERM": "xterm-256color"], 256, ColorDepth.monochrome),
    (["NO_COLOR": "", "TERM": "xterm-256color"], 256, .indexed256),
    (["TERM": "dumb", "COLORTERM": "truecolor"], nil, .monochrome),
    (["COLORTERM": "truecolor", "TERM": "xterm"], 8, .truecolor),
    (["COLORTERM": "24bit"], nil, .truecolor),
    (["TERM": "xterm-256color"], 256, .indexed256),
    (["TERM": "xterm-direct"], 16_777_216, .truecolor),
    (["TERM": "xterm"], 8, .ansi16),
    (["TERM": "linux"], 16, .ansi16),
    (["TERM": "vt100"], 0, .monochrome),
    (["TERM": "vt100"], 2, .monochrome),
    (["TERM": "screen-256color"], nil, .indexed256),
    (["TERM": "xterm"], nil, .ansi16),
    ([:], nil, .monochrome),
  ] as [([String: String], Int?, ColorDepth)])
  func colourDepthDetection(environment: [String: String], colors: Int?, expected: ColorDepth) {
    #expect(ColorDepth.detect(environment: environment, colors: colors) == expected)
  }

  @Test(arguments: [
    ((255, 0, 0), 196), ((0, 0, 0), 16), ((255, 255, 255), 231), ((128, 128, 128), 244), ((8, 8, 8), 232),
    ((95, 135, 175), 67), ((100, 100, 100), 241), ((0x89, 0xB4, 0xFA), 111), ((238, 238, 238), 255),
  ] as [((UInt8, UInt8, UInt8), UInt8)])
  func rgbBecomesTheNearestXtermCubeOrGrey(rgb: (UInt8, UInt8, UInt8), index: UInt8) {
    #expect(TerminalColor.rgb(rgb.0, rgb.1, rgb.2).nearestIndexed256() == .indexed(index))
  }

  @Test func paletteColoursAreKeptAt256() {
    #expect(TerminalColor.ansi(3).nearestIndexed256() == .ansi(3))
    #expect(TerminalColor.indexed(42).nearestIndexed256() == .indexed(42))
    #expect(TerminalColor.default.nearestIndexed256() == .default)
  }

  /// Pastels keep their hue (a green "completed" stays green), greys go by lightness.
  @Test(arguments: [
    (TerminalColor.rgb(0xA6, 0xE3, 0xA1), UInt8(10)), (.rgb(0x40, 0xA0, 0x2B), 2), (.rgb(0xF3, 0x8B, 0xA8), 9),
    (.rgb(0xB3, 0x12, 0x2E), 1), (.rgb(0x89, 0xB4, 0xFA), 12), (.rgb(0x1E, 0x55, 0xC8), 4), (.rgb(0xF9, 0xE2, 0xAF), 11),
    (.rgb(0xCB, 0xA6, 0xF7), 12), (.rgb(0x94, 0xE2, 0xD5), 14), (.rgb(0x1E, 0x1E, 0x2E), 0), (.rgb(0x31, 0x32, 0x44), 8),
    (.rgb(0x6C, 0x70, 0x86), 8), (.rgb(0xCD, 0xD6, 0xF4), 7), (.rgb(255, 255, 255), 15), (.indexed(9), 9),
    (.indexed(196), 1), (.indexed(231), 15), (.indexed(244), 8), (.ansi(3), 3),
  ])
  func colourBecomesTheNearestANSIByHueAndLightness(color: TerminalColor, ansi: UInt8) {
    #expect(color.nearestANSI() == .ansi(ansi), "\(color.themeSpelling)")
  }

  @Test func truecolorLeavesTheThemeAlone() {
    #expect(Theme.dark.downgraded(to: .truecolor) == Theme.dark)
  }

  @Test func everyDepthLeavesOnlyColoursThatDepthCanShow() {
    for depth in ColorDepth.allCases {
      let theme = Theme.dark.downgraded(to: depth)
      for (role, style) in theme.styles {
        for color in [style.foreground, style.background] {
          let allowed =
            switch (depth, color) {
            case (_, .default): true
            case (.truecolor, _): true
            case (.indexed256, .rgb): false
            case (.indexed256, _): true
            case (.ansi16, .ansi): true
            default: false
            }
          #expect(allowed, "\(depth) \(role.rawValue) \(color)")
        }
      }
    }
  }

  @Test func monochromeDropsColoursKeepsAttributesAndReversesBackgroundRoles() {
    let mono = Theme.dark.downgraded(to: .monochrome)
    for (role, style) in mono.styles {
      #expect(style.foreground == .default && style.background == .default, "\(role.rawValue)")
      let original = Theme.dark.style(for: role).attributes
      #expect(style.attributes.isSuperset(of: original), "\(role.rawValue) keeps its attributes")
    }
    for role in [StyleRole.selection, .inputFocused, .statusBar, .badgeOnline, .badgeOffline, .cursor] {
      #expect(mono.style(for: role).attributes.contains(.reverse), "\(role.rawValue) must stay visible")
    }
    #expect(mono.style(for: .title).attributes == .bold)
    #expect(!mono.style(for: .overlay).attributes.contains(.reverse), "large areas are not inverted")
    #expect(!mono.style(for: .error).attributes.contains(.reverse))
  }

  /// A role drawn with both colours must not come out as the same colour twice at any depth.
  @Test(arguments: ["dark", "light", "high-contrast", "ansi16"])
  func rolesWithTwoColoursStayTwoColoursAtEveryDepth(name: String) throws {
    let library = ThemeLibrary(directories: [shippedThemesDirectory])
    let theme = try #require(library.theme(named: name))
    for depth in ColorDepth.allCases {
      for (role, style) in theme.downgraded(to: depth).styles where style.background != .default {
        #expect(style.foreground != style.background, "\(name) at \(depth): \(role.rawValue)")
      }
    }
  }

  @Test func noColorMakesTheConfiguredThemeColourless() throws {
    let library = ThemeLibrary(directories: [shippedThemesDirectory])
    let (config, errors) = StudioConfig.parse("theme = \"light\"\n", path: "config.toml")
    #expect(errors == [])
    let depth = ColorDepth.detect(environment: ["NO_COLOR": "1", "COLORTERM": "truecolor"], colors: 256)
    let (theme, message) = library.activeTheme(named: config.theme, depth: depth)
    #expect(message == nil)
    #expect(theme.name == "light")
    #expect(theme.styles.values.allSatisfy { $0.foreground == .default && $0.background == .default })
    #expect(theme.style(for: .selection).attributes.contains(.reverse))
  }
}
