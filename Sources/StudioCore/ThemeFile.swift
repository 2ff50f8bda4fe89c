import TerminalScreen

/// A theme file as written, before inheritance and palette names are resolved.
///
/// The format follows helix, which many terminal users already know:
///
/// ```toml
/// inherits = "dark"            # optional: start from another theme
///
/// title = "sky"                # a role's foreground: palette name, #hex, ANSI name or 0–255
/// selection = { fg = "black", bg = "sky", modifiers = ["bold"] }
///
/// [palette]                    # optional, and last: every key after a [header] belongs to it
/// sky = "#89b4fa"
/// ```
///
/// Palette names stay unresolved here so that a theme inheriting another can recolour it just by
/// redefining palette entries, as in helix.
public struct ThemeFile: Sendable, Hashable {
  /// A colour as a role entry wrote it.
  public enum ColorReference: Sendable, Hashable {
    case color(TerminalColor)
    /// A palette entry, or failing that an ANSI name; checked once the palette is complete.
    case named(String)
  }

  /// One role's entry, with where it was written for messages.
  public struct RoleEntry: Sendable, Hashable {
    public var foreground: ColorReference?
    public var background: ColorReference?
    public var attributes: TextAttributes
    public var path: String
    public var line: Int

    public init(
      foreground: ColorReference? = nil, background: ColorReference? = nil, attributes: TextAttributes = [],
      path: String, line: Int
    ) {
      self.foreground = foreground
      self.background = background
      self.attributes = attributes
      self.path = path
      self.line = line
    }
  }

  public var name: String
  /// Where the file is, as messages show it.
  public var path: String
  public var inherits: String?
  public var inheritsLine: Int?
  public var palette: [String: TerminalColor]
  public var roles: [StyleRole: RoleEntry]

  public init(
    name: String, path: String, inherits: String? = nil, inheritsLine: Int? = nil,
    palette: [String: TerminalColor] = [:], roles: [StyleRole: RoleEntry] = [:]
  ) {
    self.name = name
    self.path = path
    self.inherits = inherits
    self.inheritsLine = inheritsLine
    self.palette = palette
    self.roles = roles
  }

  /// A resolved theme as a file that inherits nothing: how the compiled-in default takes part in
  /// inheritance when the shipped `themes/` folder is missing.
  public init(theme: Theme, path: String) {
    self.init(name: theme.name, path: path)
    for (role, style) in theme.styles {
      roles[role] = RoleEntry(
        foreground: .color(style.foreground), background: .color(style.background), attributes: style.attributes,
        path: path, line: 0)
    }
  }

  /// The modifier names a role may list, helix's spellings included.
  public static let modifierNames: [String: TextAttributes] = [
    "bold": .bold, "dim": .dim, "italic": .italic, "underlined": .underline, "underline": .underline,
    "reverse": .reverse, "reversed": .reverse,
  ]

  static let topLevelKeys = ["inherits", "palette"]
  static let roleKeys = ["fg", "bg", "modifiers"]

  /// Parses a theme file; the first problem is thrown with its line.
  public static func parse(_ text: String, name: String, path: String) throws(ConfigFileError) -> ThemeFile {
    let table: TOMLTable
    do {
      table = try TOMLReader.parse(text)
    } catch {
      throw ConfigFileError(path: path, error)
    }
    var file = ThemeFile(name: name, path: path)
    func fail(_ line: Int, _ message: String) -> ConfigFileError {
      ConfigFileError(path: path, line: line, message: message)
    }
    for (key, entry) in table.orderedEntries {
      switch key {
      case "inherits":
        guard let parent = entry.value.stringValue, !parent.isEmpty else {
          throw fail(entry.line, "'inherits' must be a theme name in quotes, found \(entry.value.typeName)")
        }
        file.inherits = parent
        file.inheritsLine = entry.line
      case "palette":
        guard let palette = entry.value.tableValue else {
          throw fail(entry.line, "'palette' must be a table of colours, found \(entry.value.typeName)")
        }
        for (colorName, colorEntry) in palette.orderedEntries {
          do {
            file.palette[colorName] = try paletteColor(colorEntry, named: colorName, fail: fail)
          } catch  where StyleRole(rawValue: colorName) != nil {
            // The usual cause: role entries written after the [palette] header, which TOML reads as
            // more palette entries.
            var misplaced = error
            misplaced.message += " ('\(colorName)' is a role: put role entries before [palette], which must come last)"
            throw misplaced
          }
        }
      default:
        guard let role = StyleRole(rawValue: key) else {
          let hint = Suggestion.hint(for: key, among: StyleRole.allCases.map(\.rawValue) + topLevelKeys)
          throw fail(entry.line, "unknown role '\(key)'\(hint)")
        }
        file.roles[role] = try roleEntry(entry, role: role, path: path, fail: fail)
      }
    }
    return file
  }

  private static func paletteColor(
    _ entry: TOMLTable.Entry, named name: String, fail: (Int, String) -> ConfigFileError
  ) throws(ConfigFileError) -> TerminalColor {
    switch entry.value {
    case .integer(let index):
      guard let byte = UInt8(exactly: index) else { throw fail(entry.line, "colour index \(index) is not 0–255") }
      return .indexed(byte)
    case .string(let text):
      if text.hasPrefix("#") {
        guard let color = TerminalColor(hex: text) else {
          throw fail(entry.line, "bad colour '\(text)' for palette entry '\(name)' (expected #rrggbb)")
        }
        return color
      }
      guard let color = TerminalColor(themeName: text) else {
        let hint = Suggestion.hint(for: text, among: TerminalColor.knownNames)
        throw fail(
          entry.line,
          "bad colour '\(text)' for palette entry '\(name)'\(hint): palette colours are #rrggbb, an ANSI name or 0–255")
      }
      return color
    default:
      throw fail(entry.line, "palette entry '\(name)' must be a colour, found \(entry.value.typeName)")
    }
  }

  private static func roleEntry(
    _ entry: TOMLTable.Entry, role: StyleRole, path: String, fail: (Int, String) -> ConfigFileError
  ) throws(ConfigFileError) -> RoleEntry {
    var result = RoleEntry(path: path, line: entry.line)
    guard let table = entry.value.tableValue else {
      result.foreground = try colorReference(entry.value, line: entry.line, what: "'\(role.rawValue)'", fail: fail)
      return result
    }
    for (key, field) in table.orderedEntries {
      switch key {
      case "fg":
        result.foreground = try colorReference(field.value, line: field.line, what: "'\(role.rawValue).fg'", fail: fail)
      case "bg":
        result.background = try colorReference(field.value, line: field.line, what: "'\(role.rawValue).bg'", fail: fail)
      case "modifiers":
        guard let items = field.value.arrayValue else {
          throw fail(field.line, "'modifiers' must be an array such as [\"bold\"], found \(field.value.typeName)")
        }
        for item in items {
          guard let name = item.stringValue else {
            throw fail(field.line, "modifiers must be strings, found \(item.typeName)")
          }
          guard let attribute = modifierNames[name.lowercased()] else {
            let hint = Suggestion.hint(for: name, among: modifierNames.keys.sorted())
            throw fail(
              field.line,
              "unknown modifier '\(name)'\(hint); the studio supports bold, dim, italic, underlined, reverse")
          }
          result.attributes.insert(attribute)
        }
      default:
        let hint = Suggestion.hint(for: key, among: roleKeys)
        throw fail(field.line, "unknown key '\(key)' in role '\(role.rawValue)'\(hint); expected fg, bg or modifiers")
      }
    }
    return result
  }

  private static func colorReference(
    _ value: TOMLValue, line: Int, what: String, fail: (Int, String) -> ConfigFileError
  ) throws(ConfigFileError) -> ColorReference {
    switch value {
    case .integer(let index):
      guard let byte = UInt8(exactly: index) else { throw fail(line, "colour index \(index) for \(what) is not 0–255") }
      return .color(.indexed(byte))
    case .string(let text):
      if text.hasPrefix("#") {
        guard let color = TerminalColor(hex: text) else {
          throw fail(line, "bad colour '\(text)' for \(what) (expected #rrggbb)")
        }
        return .color(color)
      }
      guard !text.isEmpty else { throw fail(line, "empty colour for \(what)") }
      return .named(text)
    default:
      throw fail(
        line,
        "\(what) must be a colour (\"#rrggbb\", a palette or ANSI name, 0–255) or a table, found \(value.typeName)")
    }
  }

  /// Resolves role entries against a complete palette: palette names first, then ANSI names.
  ///
  /// Errors name the file and line of the role entry that used the unknown name, which may be a
  /// parent theme's file.
  public static func resolve(
    name: String, roles: [StyleRole: RoleEntry], palette: [String: TerminalColor]
  ) throws(ConfigFileError) -> Theme {
    var styles: [StyleRole: RoleStyle] = [:]
    // Roles in declaration order so the first error reported is the first in the file.
    for role in StyleRole.allCases {
      guard let entry = roles[role] else { continue }
      func color(_ reference: ColorReference?, _ field: String) throws(ConfigFileError) -> TerminalColor {
        switch reference {
        case nil: return .default
        case .color(let color)?: return color
        case .named(let colorName)?:
          if let color = palette[colorName] ?? TerminalColor(themeName: colorName) { return color }
          let hint = Suggestion.hint(for: colorName, among: Array(palette.keys) + TerminalColor.knownNames)
          throw ConfigFileError(
            path: entry.path, line: entry.line,
            message:
              "unknown colour '\(colorName)' for '\(role.rawValue)\(field)'\(hint): not in [palette] nor an ANSI colour name"
          )
        }
      }
      styles[role] = RoleStyle(
        foreground: try color(entry.foreground, entry.background == nil ? "" : ".fg"),
        background: try color(entry.background, ".bg"), attributes: entry.attributes)
    }
    return Theme(name: name, styles: styles)
  }
}
