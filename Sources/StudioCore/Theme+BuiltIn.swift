import TerminalScreen

extension Theme {
  /// The default theme, compiled in so the studio has colours even when no `themes/` folder is
  /// found or every theme file is broken.
  ///
  /// Built from `themes/dark.toml` itself: the file's text is embedded in the binary at build time
  /// (`Resources/dark.toml` links to it), so the shipped file and the fallback cannot drift apart.
  /// A test parses it; a file that did not would stop every start, so it cannot ship unnoticed.
  public static let dark: Theme = {
    let text = String(decoding: PackageResources.dark_toml, as: UTF8.self)
    do throws(ConfigFileError) {
      let file = try ThemeFile.parse(text, name: "dark", path: "themes/dark.toml")
      return try ThemeFile.resolve(name: "dark", roles: file.roles, palette: file.palette)
    } catch {
      preconditionFailure("the embedded themes/dark.toml is broken: \(error)")
    }
  }()
}
