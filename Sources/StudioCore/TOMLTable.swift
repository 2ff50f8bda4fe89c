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
}
