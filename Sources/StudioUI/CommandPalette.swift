/// The command palette: every command by name, narrowed by a fuzzy filter as the user types.
public struct CommandPalette: Sendable, Hashable {
  public var query = TextEditor()
  public var selected = 0

  public init(query: String = "") {
    self.query = TextEditor(query)
  }

  /// Commands matching the query, best first (ties keep the declaration order).
  public var matches: [Command] {
    let commands = Command.allCases.filter(\.inPalette)
    let needle = query.text
    guard !needle.isEmpty else { return commands }
    return commands.compactMap { command in
      Self.score(needle, in: command.title).map { (command, $0) }
    }
    .enumerated()
    .sorted { ($0.element.1, $1.offset) > ($1.element.1, $0.offset) }
    .map(\.element.0)
  }

  /// Fuzzy match: every character of `needle` appears in `haystack` in order (case-insensitive).
  /// Consecutive hits and hits at word starts score higher; nil when it does not match at all.
  public static func score(_ needle: String, in haystack: String) -> Int? {
    let target = Array(haystack.lowercased())
    var score = 0
    var position = 0
    var previousHit = -2
    for character in needle.lowercased() where character != " " {
      guard let hit = target[position...].firstIndex(of: character) else { return nil }
      score += 1
      if hit == previousHit + 1 { score += 3 }
      if hit == 0 || target[hit - 1] == " " { score += 2 }
      previousHit = hit
      position = hit + 1
    }
    return score
  }
}
