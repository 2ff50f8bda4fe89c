import FalProtocol

/// One thing the palette runs: a command, or a verb with its argument (`theme light`,
/// `mode extend`, `go to job ID`).
public enum PaletteEntry: Sendable, Hashable {
  case command(Command)
  case theme(String)
  case mode(MagiMode)
  case goToJob(String)

  /// What the palette lists and matches the query against.
  public var title: String {
    switch self {
    case .command(let command): command.title
    case .theme(let name): "theme \(name)"
    case .mode(let mode): "mode \(Self.word(for: mode))"
    case .goToJob(let id): "go to job \(id)"
    }
  }

  /// The right-hand column: a command's keys, what a verb does.
  public var detail: String {
    switch self {
    case .command(let command): KeyMap.keys(for: command).prefix(2).map(KeyMap.name(of:)).joined(separator: " ")
    case .theme: "colour theme"
    case .mode(let mode): mode.title
    case .goToJob: "select in the queue"
    }
  }

  /// The short word `mode` takes for each mode.
  static func word(for mode: MagiMode) -> String {
    switch mode {
    case .textToVideo: "t2v"
    case .imageToVideo: "i2v"
    case .extendVideo: "extend"
    }
  }
}

/// The command palette: every command and verb by name, narrowed as the user types, best match first.
public struct CommandPalette: Sendable, Hashable {
  public var query = TextEditor()
  public var selected = 0
  /// What can be run, as the studio was when the palette opened (its themes and jobs).
  public var entries: [PaletteEntry]

  public init(query: String = "", entries: [PaletteEntry] = CommandPalette.commands) {
    self.query = TextEditor(query)
    self.entries = entries
  }

  /// Every command that makes sense by name, in declaration order.
  public static let commands: [PaletteEntry] = Command.allCases.filter(\.inPalette).map(PaletteEntry.command)

  static let goToJobVerb = "go to job "

  /// Entries matching the query, best first (ties keep the order of ``entries``). An id typed
  /// after `go to job ` is offered as typed when no listed job has it.
  public var matches: [PaletteEntry] {
    let needle = query.text.trimmingCharacters(in: " ")
    guard !needle.isEmpty else { return entries }
    var candidates = entries
    let lowered = query.text.lowercased()
    if lowered.hasPrefix(Self.goToJobVerb) {
      let id = String(query.text.dropFirst(Self.goToJobVerb.count)).trimmingCharacters(in: " ")
      if !id.isEmpty, !candidates.contains(.goToJob(id)) { candidates.append(.goToJob(id)) }
    }
    return candidates.compactMap { entry in Self.score(needle, in: entry.title).map { (entry, $0) } }
      .enumerated()
      .sorted { ($0.element.1, $1.offset) > ($1.element.1, $0.offset) }
      .map(\.element.0)
  }

  /// How well `needle` matches `haystack` (case-insensitive), by tiers: the title starts with it;
  /// it starts a word of the title; each of its words starts a word of the title, in order
  /// (`open videos` → "Open the videos folder"); it appears anywhere; its characters appear in
  /// order (fuzzy, weighted for word starts and runs). Nil when none holds. A higher tier always
  /// wins, so `theme` ranks "Cycle colour theme" above a fuzzy hit across "Open the history
  /// item's video".
  public static func score(_ needle: String, in haystack: String) -> Int? {
    let needle = needle.lowercased().trimmingCharacters(in: " ")
    let target = haystack.lowercased()
    guard !needle.isEmpty else { return 0 }
    // Shorter titles first within a tier: the closer the whole title is to what was typed.
    let closeness = max(0, 200 - target.count)
    if target.hasPrefix(needle) { return 50_000 + closeness }
    if target.contains(" " + needle) { return 40_000 + closeness }
    if wordsStartWords(needle, target) { return 30_000 + closeness }
    if target.contains(needle) { return 20_000 + closeness }
    return fuzzy(needle, target)
  }

  /// Each word of `needle` is the start of a word of `target`, in order.
  static func wordsStartWords(_ needle: String, _ target: String) -> Bool {
    let words = target.split(separator: " ")
    var index = 0
    for part in needle.split(separator: " ") {
      guard let found = words[index...].firstIndex(where: { $0.hasPrefix(part) }) else { return false }
      index = found + 1
    }
    return true
  }

  /// Every character of `needle` appears in `target` in order; consecutive hits and hits at
  /// word starts score higher. At most a few hundred: below every other tier.
  static func fuzzy(_ needle: String, _ target: String) -> Int? {
    let target = Array(target)
    var score = 0
    var position = 0
    var previousHit = -2
    for character in needle where character != " " {
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
