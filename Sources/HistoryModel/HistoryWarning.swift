/// A line of the history that could not be read, and where it was kept aside.
///
/// A crash, a full disk or a hand edit can leave a torn or garbled line. The store reads around it,
/// copies it to `history.jsonl.corrupt` (so nothing is silently dropped) and reports it here.
public struct HistoryWarning: Sendable, Hashable, CustomStringConvertible {
  /// 1-based line number in `history.jsonl` as it was when read.
  public var line: Int
  /// Byte offset of the line's start.
  public var offset: Int64
  public var reason: String
  /// Where the line's bytes were copied, or nil when that failed (read-only disk).
  public var keptAside: String?

  public init(line: Int, offset: Int64, reason: String, keptAside: String?) {
    self.line = line
    self.offset = offset
    self.reason = reason
    self.keptAside = keptAside
  }

  public var description: String {
    "history line \(line) (byte \(offset)): \(reason)"
      + (keptAside.map { "; kept in \($0)" } ?? "; could not be kept aside")
  }
}
