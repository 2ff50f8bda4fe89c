/// A TOML table that remembers the line of every key, in the order the file wrote them.
///
/// The lines are the point: a theme or config file is checked after it parses (is this a role? is
/// this price positive?), and those messages must name the line just as syntax errors do.
public struct TOMLTable: Sendable, Hashable {
  /// One key's value and the line its key is on.
  public struct Entry: Sendable, Hashable {
    public var value: TOMLValue
    public var line: Int

    public init(value: TOMLValue, line: Int) {
      self.value = value
      self.line = line
    }
  }

  /// The keys in file order, so that checks report problems top to bottom.
  public private(set) var keys: [String] = []
  private var entries: [String: Entry] = [:]
  /// The line that opened the table: its `[header]`, its `{`, or the dotted key that made it.
  public var line: Int
  /// How the reader made this table, which decides whether the file may reopen or extend it.
  /// Kept in the table (not in a side map keyed by paths) so that checking it costs nothing per level.
  var origin: TOMLTableOrigin = .implicit

  public init(line: Int = 1) {
    self.line = line
  }

  public subscript(key: String) -> TOMLValue? {
    entries[key]?.value
  }

  public func entry(_ key: String) -> Entry? {
    entries[key]
  }

  /// The line of `key`, or nil when the table does not have it.
  public func line(of key: String) -> Int? {
    entries[key]?.line
  }

  public var count: Int { keys.count }
  public var isEmpty: Bool { keys.isEmpty }

  /// Every key with its entry, in file order.
  public var orderedEntries: [(key: String, entry: Entry)] {
    keys.compactMap { key in entries[key].map { (key, $0) } }
  }

  /// Sets `key`, appending it to the order when new.
  public mutating func set(_ key: String, _ entry: Entry) {
    if entries.updateValue(entry, forKey: key) == nil { keys.append(key) }
  }

  /// Runs `body` on the table under `key` in place; does nothing when `key` is not a table.
  ///
  /// The child is taken out of this table while `body` runs so that it is the only copy: changing
  /// it through a copy would duplicate the whole subtree on every key, which made a table of
  /// 100,000 keys take minutes to read.
  mutating func modifyTable(_ key: String, _ body: (inout TOMLTable) throws(TOMLError) -> Void) throws(TOMLError) {
    guard var entry = entries[key], case .table(var child) = entry.value else { return }
    entry.value = .boolean(false)
    entries[key] = entry
    defer {
      entry.value = .table(child)
      entries[key] = entry
    }
    try body(&child)
  }

  // Equality is the content a file describes; how the reader made a table is not part of it.
  public static func == (lhs: TOMLTable, rhs: TOMLTable) -> Bool {
    lhs.line == rhs.line && lhs.keys == rhs.keys && lhs.entries == rhs.entries
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(line)
    hasher.combine(keys)
    hasher.combine(entries)
  }
}

/// How a table came to exist, which decides whether it may be reopened or extended (TOML 1.0 §Table).
enum TOMLTableOrigin: Sendable {
  /// `[a.b]`: may not be defined again.
  case header(line: Int)
  /// The `a` of `[a.b]`: may still get its own `[a]` header once.
  case implicit
  /// The `a` of `a.b = 1`: may be extended by more dotted keys in the same table, not by headers.
  case dotted(line: Int)
  /// `{ … }`: complete as written.
  case inline(line: Int)
}
