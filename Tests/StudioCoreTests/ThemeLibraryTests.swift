import Foundation
import StudioCore
import TerminalScreen
import Testing

/// The repository's `themes/` folder, found from this file so tests do not depend on the cwd.
let shippedThemesDirectory: String = {
  var url = URL(fileURLWithPath: #filePath)
  for _ in 0..<3 { url.deleteLastPathComponent() }
  return url.path + "/themes"
}()

/// A fresh temporary folder with the given files (name → text).
func temporaryDirectory(_ files: [String: String] = [:]) throws -> String {
  let directory = NSTemporaryDirectory() + "magi-themes-\(UUID().uuidString)"
  try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
  for (name, text) in files {
    let path = directory + "/" + name
    try FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try text.write(toFile: path, atomically: true, encoding: .utf8)
  }
  return directory
}

/// Shipped themes, user overrides, broken files and the cycling order: what the theme key and
/// `--theme` rely on.
@Suite struct ThemeLibraryTests {
  let shipped = ThemeLibrary(directories: [shippedThemesDirectory])

  @Test func theFourShippedThemesLoadWithoutAnyMessage() {
    #expect(shipped.messages == [])
    for name in ["dark", "light", "high-contrast", "ansi16"] {
      #expect(shipped.theme(named: name) != nil, "\(name) is missing")
    }
  }

  @Test(arguments: ["dark", "light", "high-contrast", "ansi16"])
  func everyShippedThemeStylesEveryRole(name: String) throws {
    let theme = try #require(shipped.theme(named: name))
    let missing = StyleRole.allCases.filter { theme.styles[$0] == nil }
    #expect(missing == [], "\(name) leaves out \(missing)")
  }

  /// The compiled-in fallback is the shipped file (embedded at build time), or the studio would look
  /// different depending on whether it found its `themes/` folder.
  @Test func darkTomlIsExactlyTheBuiltInDefault() throws {
    let text = try String(contentsOfFile: shippedThemesDirectory + "/dark.toml", encoding: .utf8)
    let file = try ThemeFile.parse(text, name: "dark", path: "themes/dark.toml")
    #expect(file.inherits == nil)
    let parsed = try ThemeFile.resolve(name: "dark", roles: file.roles, palette: file.palette)
    #expect(parsed == Theme.dark)
    let missing = StyleRole.allCases.filter { Theme.dark.styles[$0] == nil }
    #expect(missing == [], "the built-in theme leaves out \(missing)")
  }

  @Test func withoutAnyThemeFolderTheBuiltInDarkIsStillThere() {
    let library = ThemeLibrary(directories: ["/nonexistent/themes"])
    #expect(library.names == ["dark"])
    #expect(library.theme(named: "dark") == Theme.dark)
    #expect(library.messages == [])
  }

  /// btop users ask for a theme that follows the terminal's palette: only ANSI names, no RGB.
  @Test func ansi16UsesOnlyTheTerminalsOwnColours() throws {
    let theme = try #require(shipped.theme(named: "ansi16"))
    for (role, style) in theme.styles {
      for color in [style.foreground, style.background] {
        switch color {
        case .default, .ansi: break
        default: Issue.record("\(role.rawValue) uses \(color)")
        }
      }
    }
  }

  @Test func highContrastKeepsSevenToOneAndUsesBoldFocusAndReverseSelection() throws {
    let theme = try #require(shipped.theme(named: "high-contrast"))
    for (role, style) in theme.styles {
      let ratio = try #require(contrast(style.foreground, style.background), "\(role.rawValue) must set both colours")
      #expect(ratio >= 7, "\(role.rawValue): \(ratio)")
    }
    #expect(theme.style(for: .selection).attributes.contains(.reverse))
    #expect(theme.style(for: .borderFocused).attributes.contains(.bold))
    #expect(theme.style(for: .inputFocused).attributes.contains(.bold))
  }

  /// Text roles stay readable (WCAG AA, 4.5:1) on the background each theme is meant for.
  @Test(arguments: [("dark", TerminalColor.rgb(0x1E, 0x1E, 0x2E)), ("light", TerminalColor.rgb(0xFF, 0xFF, 0xFF))])
  func textRolesMeetAAOnTheirIntendedBackground(name: String, background: TerminalColor) throws {
    let theme = try #require(shipped.theme(named: name))
    let decorative: Set<StyleRole> = [.border, .progressTodo, .progressDone, .normal]
    for (role, style) in theme.styles where !decorative.contains(role) && style.foreground != .default {
      let behind = style.background == .default ? background : style.background
      let ratio = try #require(contrast(style.foreground, behind))
      #expect(ratio >= 4.5, "\(name).\(role.rawValue): \(ratio)")
    }
  }

  @Test func aBrokenThemeFileNamesItsLineAndIsSkipped() throws {
    let user = try temporaryDirectory([
      "neon.toml": "# neon\n\n\nnormal = \"pink\"\nbordr = \"pink\"\n[palette]\npink = \"#ff00ff\"\n",
      "other.toml": "x = [[[\n",
    ])
    let library = ThemeLibrary(directories: [shippedThemesDirectory, user])
    let neonError = "\(user)/neon.toml:5: unknown role 'bordr' (did you mean 'border'?)"
    #expect(
      library.messages == [neonError, "\(user)/other.toml:1: unterminated array: this '[' is never closed by ']'"])
    #expect(library.theme(named: "neon") == nil)
    let (theme, message) = library.theme(orDefault: "neon")
    #expect(theme == Theme.dark, "the default is used instead")
    #expect(
      message == "theme 'neon' cannot be used: \(neonError); using 'dark'", "the file's own error, not 'no theme'")
    #expect(library.theme(orDefault: "nope").message?.hasPrefix("no theme 'nope'") == true)
  }

  @Test func aBrokenOverrideLeavesTheShippedThemeInUse() throws {
    let user = try temporaryDirectory(["light.toml": "normal = \"#12345\"\n"])
    let library = ThemeLibrary(directories: [shippedThemesDirectory, user])
    #expect(library.messages == ["\(user)/light.toml:1: bad colour '#12345' for 'normal' (expected #rrggbb)"])
    #expect(library.theme(named: "light") == shipped.theme(named: "light"))
  }

  @Test func userThemesOverrideShippedOnesByName() throws {
    let user = try temporaryDirectory(["light.toml": "inherits = \"ansi16\"\ntitle = \"#010203\"\n"])
    let library = ThemeLibrary(directories: [shippedThemesDirectory, user])
    let light = try #require(library.theme(named: "light"))
    #expect(light.style(for: .title) == RoleStyle(foreground: .rgb(1, 2, 3)))
    #expect(
      light.style(for: .error) == shipped.theme(named: "ansi16")?.style(for: .error), "the rest comes from ansi16")
  }

  /// helix's trick: a child that redefines a palette entry recolours the parent's roles using it.
  @Test func inheritingAndRedefiningThePaletteRecoloursTheParent() throws {
    let user = try temporaryDirectory(["mine.toml": "inherits = \"dark\"\n[palette]\ngreen = \"#00ff00\"\n"])
    let library = ThemeLibrary(directories: [shippedThemesDirectory, user])
    let mine = try #require(library.theme(named: "mine"))
    #expect(mine.style(for: .success).foreground == .rgb(0, 255, 0))
    #expect(mine.style(for: .title) == Theme.dark.style(for: .title))
  }

  @Test func aUserThemeMayExtendTheShippedThemeOfTheSameName() throws {
    let user = try temporaryDirectory(["dark.toml": "inherits = \"dark\"\nerror = \"bright-red\"\n"])
    let library = ThemeLibrary(directories: [shippedThemesDirectory, user])
    #expect(library.messages == [])
    let dark = try #require(library.theme(named: "dark"))
    #expect(dark.style(for: .error) == RoleStyle(foreground: .ansi(9)))
    #expect(dark.style(for: .selection) == Theme.dark.style(for: .selection))
  }

  @Test func inheritanceProblemsNameTheInheritsLine() throws {
    let user = try temporaryDirectory([
      "a.toml": "# loop\ninherits = \"b\"\n",
      "b.toml": "inherits = \"a\"\n",
      "c.toml": "\n\ninherits = \"drak\"\n",
    ])
    let library = ThemeLibrary(directories: [user])
    #expect(library.messages.contains("\(user)/c.toml:3: inherits unknown theme 'drak' (did you mean 'dark'?)"))
    #expect(library.messages.contains { $0.hasPrefix("\(user)/a.toml:2: ") && $0.contains("inheritance loop") })
    #expect(library.theme(named: "a") == nil)
    #expect(library.theme(named: "c") == nil)
  }

  @Test func unknownColourNamesAreReportedAtTheRoleThatUsesThem() throws {
    let user = try temporaryDirectory(["x.toml": "# x\n\n\ntitle = { fg = \"skye\" }\n[palette]\nsky = \"#89b4fa\"\n"])
    let library = ThemeLibrary(directories: [user])
    #expect(
      library.messages == [
        "\(user)/x.toml:4: unknown colour 'skye' for 'title'"
          + " (did you mean 'sky'?): not in [palette] nor an ANSI colour name"
      ])
  }

  @Test(arguments: [
    ("title = { modifiers = [\"blink\"] }", "unknown modifier 'blink'"),
    ("title = { fgg = \"red\" }", "unknown key 'fgg' in role 'title' (did you mean 'fg'?)"),
    ("title = 300", "colour index 300 for 'title' is not 0–255"),
    ("title = true", "'title' must be a colour"),
    ("[palette]\nx = \"nope\"", "bad colour 'nope' for palette entry 'x'"),
    ("[palette]\ntitle = { fg = \"red\" }", "'title' is a role: put role entries before [palette]"),
  ])
  func badEntriesAreErrorsWithTheirLine(text: String, fragment: String) {
    do {
      _ = try ThemeFile.parse("# header\n" + text + "\n", name: "t", path: "themes/t.toml")
      Issue.record("expected an error")
    } catch {
      #expect(error.description.hasPrefix("themes/t.toml:\(text.contains("\n") ? 3 : 2): "), "\(error)")
      #expect(error.message.contains(fragment), "\(error)")
    }
  }

  @Test func colourSpellingsAllWork() throws {
    let file = try ThemeFile.parse(
      """
      normal = "default"
      dim = "bright-black"
      title = "light-blue"
      label = "gray"
      key = 208
      error = "#F38BA8"
      accent = "#abc"
      """, name: "t", path: "t.toml")
    let theme = try ThemeFile.resolve(name: "t", roles: file.roles, palette: file.palette)
    #expect(theme.style(for: .normal).foreground == .default)
    #expect(theme.style(for: .dim).foreground == .ansi(8))
    #expect(theme.style(for: .title).foreground == .ansi(12))
    #expect(theme.style(for: .label).foreground == .ansi(8))
    #expect(theme.style(for: .key).foreground == .indexed(208))
    #expect(theme.style(for: .error).foreground == .rgb(0xF3, 0x8B, 0xA8))
    #expect(theme.style(for: .accent).foreground == .rgb(0xAA, 0xBB, 0xCC))
  }

  @Test func anIncompleteThemeLoadsButSaysWhichRolesFallBackToNormal() throws {
    let user = try temporaryDirectory(["tiny.toml": "normal = \"default\"\ntitle = \"red\"\n"])
    let library = ThemeLibrary(directories: [user])
    #expect(library.theme(named: "tiny") != nil)
    #expect(library.messages.count == 1)
    #expect(
      library.messages.first?.hasPrefix("\(user)/tiny.toml: roles not styled, shown as 'normal': dim, border") == true)
  }

  @Test func namesCycleShippedFirstThenOthersAlphabetically() throws {
    let user = try temporaryDirectory(["zebra.toml": "inherits = \"dark\"\n", "amber.toml": "inherits = \"light\"\n"])
    let library = ThemeLibrary(directories: [shippedThemesDirectory, user])
    #expect(library.names == ["dark", "light", "high-contrast", "ansi16", "amber", "zebra"])
    #expect(library.name(after: "dark") == "light")
    #expect(library.name(after: "ansi16") == "amber")
    #expect(library.name(after: "zebra") == "dark", "wraps around")
    #expect(library.name(after: "gone") == "dark")
  }

  @Test func shippedThemesAreFoundFromACheckoutsBuildFolderAndFromAnInstallPrefix() throws {
    let root = try temporaryDirectory([
      "checkout/themes/dark.toml": "", "checkout/.build/debug/magi-studio": "",
      "prefix/bin/magi-studio": "", "prefix/share/magi-studio/themes/dark.toml": "",
    ])
    let real = URL(fileURLWithPath: root).resolvingSymlinksInPath().path
    #expect(
      ThemeLibrary.shippedDirectories(executablePath: root + "/checkout/.build/debug/magi-studio") == [
        real + "/checkout/themes"
      ])
    #expect(
      ThemeLibrary.shippedDirectories(executablePath: root + "/prefix/bin/magi-studio") == [
        real + "/prefix/share/magi-studio/themes"
      ])
  }

  @Test func theStandardLibraryReadsTheUsersConfigThemesFolder() throws {
    let config = try temporaryDirectory(["themes/solar.toml": "inherits = \"ansi16\"\n"])
    let paths = StudioPaths(environment: ["HOME": "/nonexistent", "MAGI_STUDIO_CONFIG_DIR": config])
    let library = ThemeLibrary.standard(paths: paths, executablePath: nil)
    #expect(ThemeLibrary.userDirectory(paths: paths) == config + "/themes")
    #expect(library.names == ["dark"], "solar cannot load without the shipped ansi16")
    #expect(
      library.messages.contains { $0.contains("inherits unknown theme 'ansi16'") },
      "no shipped folder given, so ansi16 is unknown")
    let withShipped = ThemeLibrary(directories: [shippedThemesDirectory, ThemeLibrary.userDirectory(paths: paths)])
    #expect(
      withShipped.theme(named: "solar")
        == withShipped.theme(named: "ansi16").map { Theme(name: "solar", styles: $0.styles) })
  }
}

/// WCAG 2 contrast ratio of two RGB colours (nil unless both are RGB).
func contrast(_ a: TerminalColor, _ b: TerminalColor) -> Double? {
  func luminance(_ color: TerminalColor) -> Double? {
    guard case .rgb(let r, let g, let b) = color else { return nil }
    func channel(_ value: UInt8) -> Double {
      let c = Double(value) / 255
      return c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
    }
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
  }
  guard let la = luminance(a), let lb = luminance(b) else { return nil }
  return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}
