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

extension StudioConfig {
  /// Why the theme could not be saved as the default.
  public enum SaveError: Error, Sendable, Hashable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)

    public var description: String {
      switch self {
      case .unreadable(let path, let reason): "\(path) \(reason); left as it is"
      case .unwritable(let path, let reason): "cannot write \(path): \(reason)"
      }
    }
  }

  /// Makes `name` the default theme in the config file at `path`: the top-level `theme = …` line is
  /// replaced (its trailing comment kept), or one is added above the first table; every other line
  /// and comment stays as it was. A missing file is created with just that line. Written to a
  /// temporary file and renamed, so a crash leaves the old file or the new one, never half of one.
  public static func saveTheme(_ name: String, path: String) throws(SaveError) {
    let text: String
    switch SettingsFile.read(path) {
    case .missing: text = ""
    case .text(let contents): text = contents
    case .unusable(let reason): throw .unreadable(path: path, reason: reason)
    }
    let updated = settingTheme(name, in: text)
    let directory = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
    if !directory.isEmpty {
      try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }
    let temporary = path + ".tmp-\(getpid())"
    guard FileManager.default.createFile(atPath: temporary, contents: Data(updated.utf8)) else {
      throw .unwritable(path: path, reason: "cannot create \(temporary)")
    }
    guard rename(temporary, path) == 0 else {
      let reason = String(cString: strerror(errno))
      unlink(temporary)
      throw .unwritable(path: path, reason: reason)
    }
  }

  /// `text` with its top-level `theme` set to `name` (pure: what ``saveTheme(_:path:)`` writes).
  public static func settingTheme(_ name: String, in text: String) -> String {
    var escaped = ""
    for character in name {
      switch character {
      case "\"": escaped += "\\\""
      case "\\": escaped += "\\\\"
      default: if character.isASCII, character.asciiValue! >= 0x20 { escaped.append(character) }
      }
    }
    let setting = "theme = \"\(escaped)\""
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if lines.last == "" { lines.removeLast() }
    var firstTable: Int?
    for (index, line) in lines.enumerated() {
      let trimmed = line.drop { $0 == " " || $0 == "\t" }
      if trimmed.hasPrefix("[") {
        firstTable = index
        break
      }
      guard trimmed.hasPrefix("theme") else { continue }
      let rest = trimmed.dropFirst("theme".count).drop { $0 == " " || $0 == "\t" }
      guard rest.hasPrefix("=") else { continue }
      lines[index] = setting + trailingComment(of: String(rest.dropFirst()))
      return lines.joined(separator: "\n") + "\n"
    }
    lines.insert(setting, at: firstTable ?? lines.count)
    return lines.joined(separator: "\n") + "\n"
  }

  /// ` # comment` after a simple value (a string without `#` in it, or a bare word), else nothing.
  private static func trailingComment(of value: String) -> String {
    var inString = false
    var previous: Character = " "
    for (offset, character) in value.enumerated() {
      if character == "\"", previous != "\\" { inString.toggle() }
      if character == "#", !inString {
        let comment = value.dropFirst(offset)
        return " " + comment
      }
      previous = character
    }
    return ""
  }
}
