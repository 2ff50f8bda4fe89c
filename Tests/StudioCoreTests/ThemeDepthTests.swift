import StudioCore
import TerminalScreen
import Testing

/// The shipped themes through the one colour pipeline (``ColorPlanner``): readable on 256- and
/// 16-colour terminals and under NO_COLOR.
@Suite struct ThemeDepthTests {
  /// A role drawn with both colours must not come out as the same colour twice at any depth.
  @Test(arguments: ["dark", "light", "high-contrast", "ansi16"])
  func rolesWithTwoColoursStayTwoColoursAtEveryDepth(name: String) throws {
    let library = ThemeLibrary(directories: [shippedThemesDirectory])
    let theme = try #require(library.theme(named: name))
    for depth in ColorDepth.allCases where depth != .monochrome {
      for (role, style) in theme.styles where style.background != .default {
        let planned = ColorPlanner.plan(style, role: role, depth: depth)
        #expect(planned.foreground != planned.background, "\(name) at \(depth): \(role.rawValue)")
      }
    }
  }

  /// At 16 colours the dark theme's pastel states keep their hue: completed green, failed red.
  @Test func theDarkThemesStatesKeepTheirHueAtSixteenColours() {
    let plan = { (role: StyleRole) in
      ColorPlanner.plan(Theme.dark.style(for: role), role: role, depth: .ansi16).foreground
    }
    #expect(plan(.completed) == .palette(10))
    #expect(plan(.failed) == .palette(9))
    #expect(plan(.running) == .palette(14))
  }

  @Test func noColorMakesTheConfiguredThemeColourless() throws {
    let library = ThemeLibrary(directories: [shippedThemesDirectory])
    let (config, errors) = StudioConfig.parse("theme = \"light\"\n", path: "config.toml")
    #expect(errors == [])
    let depth = ColorPlanner.detectDepth(
      environment: ["NO_COLOR": "1", "COLORTERM": "truecolor"], hasColors: true, colors: 1 << 24, directColor: true)
    let (theme, message) = library.theme(orDefault: config.theme)
    #expect(message == nil)
    #expect(theme.name == "light")
    for role in StyleRole.allCases {
      let planned = ColorPlanner.plan(theme.style(for: role), role: role, depth: depth)
      #expect(planned.foreground == .default && planned.background == .default, "\(role.rawValue)")
      #expect(
        planned.attributes.isSuperset(of: theme.style(for: role).attributes), "\(role.rawValue) keeps its attributes")
    }
    #expect(
      ColorPlanner.plan(theme.style(for: .selection), role: .selection, depth: depth).attributes.contains(.reverse))
  }
}
