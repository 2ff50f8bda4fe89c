import FalProtocol

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// A history filter as typed: field terms and free text, `status:failed mode:i2v model:full since:2d
/// wheat field`. The studio's `/` filter and the CLI's `--status/--mode/--model/--since/--until`
/// read values with the same rules, so one spelling works in both.
///
/// A field's value may list several choices (`status:failed,cancelled`) and abbreviate any of them
/// to an unambiguous prefix (`status:fail`). A day is `YYYY-MM-DD` (UTC) or an age counted back from
/// now (`30m`, `12h`, `2d`, `1w`). A term that names no field (`ratio:16:9`) is text; a known field
/// with a value it cannot read is an error and is left out of the query (not searched as text).
public struct HistoryFilter: Sendable, Hashable {
  public var text = ""
  public var statuses: Set<GenerationStatus>?
  public var modes: Set<MagiMode>?
  public var models: Set<MagiModel>?
  public var createdFrom: Date?
  public var createdBefore: Date?
  /// One line per term that could not be read, naming it and what it takes.
  public var errors: [String] = []

  public init() {}

  /// The fields a term can name, for messages and completion.
  public static let fields = ["status", "mode", "model", "since", "until"]

  public init(parsing input: String, now: Date) {
    var words: [Substring] = []
    for term in input.split(separator: " ", omittingEmptySubsequences: true) {
      guard let colon = term.firstIndex(of: ":") else {
        words.append(term)
        continue
      }
      let field = term[..<colon].lowercased()
      let value = String(term[term.index(after: colon)...])
      switch field {
      case "status":
        Self.read(value, field: field, into: &statuses, errors: &errors) { Self.status($0) }
      case "mode":
        Self.read(value, field: field, into: &modes, errors: &errors) { MagiMode(named: $0) }
      case "model":
        Self.read(value, field: field, into: &models, errors: &errors) { Self.model($0) }
      case "since", "until":
        if let date = Self.date(value, now: now) {
          if field == "since" { createdFrom = date } else { createdBefore = date }
        } else {
          errors.append("\(field):\(value) — a day (YYYY-MM-DD) or an age (30m, 12h, 2d, 1w)")
        }
      default:
        words.append(term)
      }
    }
    text = words.joined(separator: " ")
  }

  /// The query for this filter, at one page.
  public func query(offset: Int = 0, limit: Int = 50) -> HistoryQuery {
    HistoryQuery(
      text: text.isEmpty ? nil : text, statuses: statuses, modes: modes, models: models, createdFrom: createdFrom,
      createdBefore: createdBefore, offset: offset, limit: limit)
  }

  private static func read<Value: Hashable>(
    _ value: String, field: String, into set: inout Set<Value>?, errors: inout [String], _ parse: (String) -> Value?
  ) {
    var chosen = set ?? []
    for choice in value.split(separator: ",", omittingEmptySubsequences: true) {
      guard let parsed = parse(String(choice)) else {
        errors.append("\(field):\(choice) — \(Self.choices(field))")
        continue
      }
      chosen.insert(parsed)
    }
    if !chosen.isEmpty { set = chosen }
  }

  static func choices(_ field: String) -> String {
    switch field {
    case "status": "one of " + GenerationStatus.allCases.map(\.rawValue).joined(separator: ", ")
    case "mode": "one of t2v, i2v, extend (or text-to-video, image-to-video, extend-video)"
    case "model": "one of " + MagiModel.allCases.map(\.rawValue).joined(separator: ", ")
    default: ""
    }
  }

  // MARK: Values

  /// A status by name or unambiguous prefix (`fail`, `done` for completed).
  public static func status(_ text: String) -> GenerationStatus? {
    let text = text.lowercased()
    if text == "done" || text == "ok" { return .completed }
    return unique(GenerationStatus.allCases, text) { $0.rawValue }
  }

  public static func model(_ text: String) -> MagiModel? {
    unique(MagiModel.allCases, text.lowercased()) { $0.rawValue }
  }

  private static func unique<Value>(_ cases: [Value], _ text: String, name: (Value) -> String) -> Value? {
    guard !text.isEmpty else { return nil }
    if let exact = cases.first(where: { name($0) == text }) { return exact }
    let matches = cases.filter { name($0).hasPrefix(text) }
    return matches.count == 1 ? matches[0] : nil
  }

  /// `YYYY-MM-DD` (midnight UTC), or `now` less an age: `30m`, `12h`, `2d`, `1w`.
  public static func date(_ text: String, now: Date) -> Date? {
    if let day = day(text) { return day }
    guard let unit = text.last, let count = Int(text.dropLast()), count >= 0, count <= 100_000 else { return nil }
    let seconds: Double
    switch unit {
    case "m": seconds = 60
    case "h": seconds = 3600
    case "d": seconds = 86_400
    case "w": seconds = 7 * 86_400
    default: return nil
    }
    return now.addingTimeInterval(-Double(count) * seconds)
  }

  /// `YYYY-MM-DD` exactly, a day that exists, years 0000 to 9999 (`2026-02-31` is not March 3rd).
  public static func day(_ text: String) -> Date? {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
      parts.allSatisfy({ $0.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }),
      let milliseconds = Timestamp.parse("\(text)T00:00:00Z")
    else { return nil }
    let date = Timestamp.date(milliseconds: milliseconds)
    // The parser rolls an impossible day over; the round trip catches it.
    guard Timestamp.format(date).hasPrefix(text) else { return nil }
    return date
  }
}
