/// One complete log per job, merged from fal's overlapping views of it.
///
/// Polled status carries a moving window of recent lines and stream events carry only new ones;
/// merging both while dropping duplicates by (timestamp, message) gives every line exactly once,
/// as fal's own CLI does.
public struct JobLog: Sendable, Hashable {
  public private(set) var entries: [LogEntry] = []
  private var seen: Set<Key> = []

  private struct Key: Hashable {
    var timestamp: String
    var message: String
  }

  public init(_ entries: [LogEntry] = []) {
    merge(entries)
  }

  /// Adds the lines not seen yet, in order, and returns just those.
  @discardableResult
  public mutating func merge(_ incoming: [LogEntry]) -> [LogEntry] {
    var added: [LogEntry] = []
    for entry in incoming where seen.insert(Key(timestamp: entry.timestamp, message: entry.message)).inserted {
      entries.append(entry)
      added.append(entry)
    }
    return added
  }
}
