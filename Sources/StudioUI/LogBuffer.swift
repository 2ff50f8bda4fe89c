import FalProtocol

/// One job's log as the queue pane shows it: the last ``limit`` lines and how far the user has
/// scrolled back from the newest one.
///
/// Bounded so that a chatty job running for an hour cannot grow the state without limit; the
/// history keeps its own (shorter) copy for later diagnosis.
public struct LogBuffer: Sendable, Hashable {
  public static let defaultLimit = 2_000

  public private(set) var entries: [LogEntry] = []
  public let limit: Int
  /// Lines scrolled back from the end; 0 follows new lines as they arrive.
  public var scrollBack = 0

  public init(_ entries: [LogEntry] = [], limit: Int = LogBuffer.defaultLimit) {
    self.limit = max(1, limit)
    append(entries)
  }

  public mutating func append(_ new: [LogEntry]) {
    entries.append(contentsOf: new)
    if entries.count > limit { entries.removeFirst(entries.count - limit) }
    // Someone reading older lines keeps their place while new ones arrive.
    if scrollBack > 0 { scrollBack = min(scrollBack + new.count, max(0, entries.count - 1)) }
  }

  public mutating func scroll(by lines: Int) {
    scrollBack = min(max(0, scrollBack + lines), max(0, entries.count - 1))
  }
}
