/// One job's recent log, merged from fal's overlapping views of it.
///
/// Polled status carries a moving window of recent lines and stream events carry only new ones;
/// merging both while dropping duplicates by (timestamp, message) gives every line exactly once,
/// as fal's own CLI does.
///
/// Bounded: only the last ``limit`` lines (and their keys) are kept, so a job that logs without end
/// costs a fixed amount of memory. A repeat is recognised as long as it is among the last ``limit``
/// lines, which covers fal's polled window many times over; the studio keeps the whole log on disk
/// (`JobLogFiles`).
public struct JobLog: Sendable, Hashable {
  public static let defaultLimit = 2_000

  /// The most lines kept.
  public let limit: Int
  private var storage: [LogEntry] = []
  /// Index in `storage` of the oldest line kept; the lines before it wait to be compacted away.
  private var start = 0
  private var seen: Set<Key> = []

  private struct Key: Hashable {
    var timestamp: String
    var message: String

    init(_ entry: LogEntry) {
      timestamp = entry.timestamp
      message = entry.message
    }
  }

  public init(_ entries: [LogEntry] = [], limit: Int = JobLog.defaultLimit) {
    self.limit = max(1, limit)
    merge(entries)
  }

  /// The lines kept, oldest first (at most ``limit``).
  public var entries: ArraySlice<LogEntry> { storage[start...] }

  /// Adds the lines not seen yet, in order, and returns just those.
  @discardableResult
  public mutating func merge(_ incoming: [LogEntry]) -> [LogEntry] {
    var added: [LogEntry] = []
    for entry in incoming where seen.insert(Key(entry)).inserted {
      storage.append(entry)
      added.append(entry)
      if storage.count - start > limit {
        seen.remove(Key(storage[start]))
        start += 1
      }
    }
    // Compacts once the dropped prefix is as long as what is kept: amortised O(1) per line.
    if start >= limit {
      storage.removeFirst(start)
      start = 0
    }
    return added
  }

  public static func == (lhs: JobLog, rhs: JobLog) -> Bool {
    lhs.limit == rhs.limit && lhs.entries == rhs.entries
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(limit)
    for entry in entries { hasher.combine(entry) }
  }
}
