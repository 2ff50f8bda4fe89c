import TerminalScreen

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Every theme the studio can use: the compiled-in default, the shipped `themes/` folder, and the
/// user's own folder, with the problems found on the way.
///
/// Later sources override earlier ones by name (a user's `light.toml` replaces the shipped one). A
/// file that does not parse or resolve is skipped with a message naming its line, and the theme of
/// the same name from an earlier source (for `dark`, at least the compiled-in one) is used instead:
/// a typo in a theme never leaves the studio without colours.
public struct ThemeLibrary: Sendable {
  /// One theme file to load: its name (the file name without `.toml`), where it is, and its text.
  public struct Source: Sendable, Hashable {
    public var name: String
    public var path: String
    /// Nil when the file could not be read; ``problem`` says why.
    public var text: String?
    /// Why the file could not be read (too large, not UTF-8…), following its path in messages.
    public var problem: String?

    public init(name: String, path: String, text: String?, problem: String? = nil) {
      self.name = name
      self.path = path
      self.text = text
      self.problem = problem
    }
  }

  public static let defaultName = "dark"
  /// The shipped themes in the order the theme key cycles through them; others follow by name.
  public static let preferredOrder = ["dark", "light", "high-contrast", "ansi16"]

  /// Resolved themes by name.
  public private(set) var themes: [String: Theme]
  /// Theme names in cycling order: ``preferredOrder`` first, then the rest alphabetically.
  public private(set) var names: [String]
  /// What went wrong, one line each (`path:line: message`), in the order found; empty when all is well.
  public private(set) var messages: [String]
  /// Why each theme that has a file but could not be used failed (`path:line: message`), by name:
  /// asking for such a theme must say what is wrong with its file, not that it does not exist.
  public private(set) var failures: [String: String]

  /// Loads from `layers`, lowest priority first; the compiled-in ``Theme/dark`` is below them all.
  public init(layers: [[Source]]) {
    var messages: [String] = []
    var failures: [String: String] = [:]
    var fileLayers: [[String: ThemeFile]] = [[Self.defaultName: ThemeFile(theme: .dark, path: "(built-in dark theme)")]]
    for layer in layers {
      var files: [String: ThemeFile] = [:]
      for source in layer {
        guard let text = source.text else {
          let problem = ConfigFileError(
            path: source.path, line: nil, message: source.problem ?? "cannot be read as UTF-8 text")
          messages.append(problem.description)
          failures[source.name] = problem.description
          continue
        }
        do {
          files[source.name] = try ThemeFile.parse(text, name: source.name, path: source.path)
        } catch {
          messages.append(error.description)
          failures[source.name] = error.description
        }
      }
      fileLayers.append(files)
    }
    var resolver = Resolver(layers: fileLayers)
    var themes: [String: Theme] = [:]
    let allNames = Set(fileLayers.flatMap(\.keys))
    for name in allNames.sorted() {
      // The highest layer that resolves wins; a broken one falls back to the one beneath it.
      for layer in fileLayers.indices.reversed() where fileLayers[layer][name] != nil {
        do {
          themes[name] = try resolver.resolve(name, layer: layer)
          break
        } catch {
          messages.append(error.description)
          failures[name] = failures[name] ?? error.description
        }
      }
    }
    for (name, theme) in themes.sorted(by: { $0.key < $1.key }) {
      let missing = StyleRole.allCases.filter { theme.styles[$0] == nil }
      guard !missing.isEmpty, let path = resolver.winningPath[name] else { continue }
      messages.append(
        "\(path): roles not styled, shown as 'normal': \(missing.map(\.rawValue).joined(separator: ", "))"
          + " (add inherits = \"\(Self.defaultName)\" to start from a complete theme)")
    }
    var unique: [String] = []
    for message in messages where !unique.contains(message) { unique.append(message) }
    self.themes = themes
    self.messages = unique
    self.failures = failures.filter { themes[$0.key] == nil }
    let preferred = Self.preferredOrder.filter { themes[$0] != nil }
    self.names = preferred + themes.keys.filter { !Self.preferredOrder.contains($0) }.sorted()
  }

  /// Loads every `*.toml` in `directories`, lowest priority first (missing folders are skipped).
  public init(directories: [String]) {
    self.init(layers: directories.map(Self.sources(in:)))
  }

  /// The studio's own search: shipped themes next to the executable, then the user's
  /// `<config dir>/themes/` (see ``shippedDirectories(executablePath:)``).
  public static func standard(paths: StudioPaths, executablePath: String? = currentExecutablePath()) -> ThemeLibrary {
    let shipped = executablePath.map(shippedDirectories(executablePath:)) ?? []
    return ThemeLibrary(directories: shipped + [userDirectory(paths: paths)])
  }

  /// `<config dir>/themes`: where a user's own themes go.
  public static func userDirectory(paths: StudioPaths) -> String {
    paths.config + "/themes"
  }

  /// The theme called `name`, if it loaded.
  public func theme(named name: String) -> Theme? {
    themes[name]
  }

  /// The theme to use for a requested name: it, or the default with a message saying why not.
  public func theme(orDefault name: String) -> (theme: Theme, message: String?) {
    if let theme = themes[name] { return (theme, nil) }
    let fallback = themes[Self.defaultName] ?? .dark
    if let failure = failures[name] {
      return (fallback, "theme '\(name)' cannot be used: \(failure); using '\(Self.defaultName)'")
    }
    let hint = Suggestion.hint(for: name, among: names)
    return (
      fallback, "no theme '\(name)'\(hint); using '\(Self.defaultName)'. Themes: \(names.joined(separator: ", "))"
    )
  }

  /// The name after `name` in ``names``, wrapping around: what the theme key switches to.
  public func name(after name: String) -> String {
    guard let index = names.firstIndex(of: name) else { return names.first ?? Self.defaultName }
    return names[(index + 1) % names.count]
  }

  // MARK: - Finding the files

  /// Folders of shipped themes for an executable at `executablePath`, lowest priority first:
  /// `<prefix>/share/magi-studio/themes` for an installed `<prefix>/bin/magi-studio`, then the
  /// first `themes/` found walking up from the executable's folder, which finds a checkout's
  /// `themes/` from `.build/<config>/magi-studio`.
  public static func shippedDirectories(executablePath: String) -> [String] {
    let resolved = realPath(executablePath)
    var directories: [String] = []
    let binDirectory = parent(of: resolved)
    let share = parent(of: binDirectory) + "/share/magi-studio/themes"
    if isDirectory(share) { directories.append(share) }
    var directory = binDirectory
    while true {
      let candidate = (directory == "/" ? "" : directory) + "/themes"
      if isDirectory(candidate) {
        if !directories.contains(candidate) { directories.append(candidate) }
        break
      }
      guard directory != "/", !directory.isEmpty else { break }
      directory = parent(of: directory)
    }
    return directories
  }

  /// The running executable's path (`/proc/self/exe` on Linux, else `argv[0]`).
  public static func currentExecutablePath() -> String? {
    #if os(Linux)
      if let resolved = realpath("/proc/self/exe", nil) {
        defer { free(resolved) }
        return String(cString: resolved)
      }
    #endif
    return CommandLine.arguments.first
  }

  /// The theme files in `directory`, sorted by name; none when it does not exist.
  public static func sources(in directory: String) -> [Source] {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
    return entries.filter { $0.hasSuffix(".toml") && !$0.hasPrefix(".") }.sorted().map { file in
      let path = directory + "/" + file
      let name = String(file.dropLast(5))
      switch SettingsFile.read(path) {
      case .text(let text): return Source(name: name, path: path, text: text)
      case .unusable(let reason): return Source(name: name, path: path, text: nil, problem: reason)
      case .missing: return Source(name: name, path: path, text: nil, problem: "disappeared while the themes were read")
      }
    }
  }

  static func parent(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }

  static func realPath(_ path: String) -> String {
    guard let resolved = realpath(path, nil) else { return path }
    defer { free(resolved) }
    return String(cString: resolved)
  }

  static func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
  }
}

/// Merges a theme with the themes it inherits from, then resolves its palette names.
private struct Resolver {
  let layers: [[String: ThemeFile]]
  /// The file each resolved theme came from, for messages about it.
  var winningPath: [String: String] = [:]

  init(layers: [[String: ThemeFile]]) {
    self.layers = layers
  }

  mutating func resolve(_ name: String, layer: Int) throws(ConfigFileError) -> Theme {
    let (roles, palette) = try merged(name, layer: layer, chain: [])
    let theme = try ThemeFile.resolve(name: name, roles: roles, palette: palette)
    winningPath[name] = layers[layer][name]?.path
    return theme
  }

  /// A theme's roles and palette with its parents' underneath: child entries replace whole roles
  /// and palette entries, as in helix.
  func merged(
    _ name: String, layer: Int, chain: [String]
  ) throws(ConfigFileError) -> (roles: [StyleRole: ThemeFile.RoleEntry], palette: [String: TerminalColor]) {
    guard let file = layers[layer][name] else { return ([:], [:]) }
    var roles: [StyleRole: ThemeFile.RoleEntry] = [:]
    var palette: [String: TerminalColor] = [:]
    if let parent = file.inherits {
      let line = file.inheritsLine
      // A theme inheriting its own name extends the one it overrides (a user's dark.toml with
      // inherits = "dark" tweaks the shipped dark); any other name is the highest one available.
      let searchBelow = parent == name ? layer : layers.count
      guard let parentLayer = (0..<searchBelow).reversed().first(where: { layers[$0][parent] != nil }) else {
        let available = Set(layers.flatMap(\.keys)).sorted()
        let hint = Suggestion.hint(for: parent, among: available)
        throw ConfigFileError(path: file.path, line: line, message: "inherits unknown theme '\(parent)'\(hint)")
      }
      let link = "\(parent)@\(parentLayer)"
      if chain.contains(link) || (parent == name && parentLayer == layer) {
        // Reported once, at the theme being resolved, rather than at every file of the loop.
        let names = (chain + ["\(name)@\(layer)", link]).map { String($0.prefix { $0 != "@" }) }
        throw ConfigFileError(path: "", line: nil, message: "inheritance loop: \(names.joined(separator: " → "))")
      }
      do {
        (roles, palette) = try merged(parent, layer: parentLayer, chain: chain + ["\(name)@\(layer)"])
      } catch {
        guard chain.isEmpty else { throw error }
        if error.path.isEmpty { throw ConfigFileError(path: file.path, line: line, message: error.message) }
        throw ConfigFileError(path: file.path, line: line, message: "inherits '\(parent)', which is broken: \(error)")
      }
    }
    roles.merge(file.roles) { _, child in child }
    palette.merge(file.palette) { _, child in child }
    return (roles, palette)
  }
}
