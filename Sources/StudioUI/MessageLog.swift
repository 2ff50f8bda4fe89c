#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Every notice of the session with the time it was shown, newest last: what the messages view
/// (`M`, palette "messages") lists whole, since the message line cuts long ones (an scp command
/// over ssh, a config error, an opened file's path) and clears after a few seconds.
///
/// Bounded: a session that runs for days keeps the last ``limit`` and counts the rest.
public struct MessageLog: Sendable, Hashable {
  public static let limit = 500

  public struct Entry: Sendable, Hashable {
    public var at: Date
    public var notice: Notice
  }

  public private(set) var entries: [Entry] = []
  /// Older entries dropped to stay within ``limit``.
  public private(set) var dropped = 0

  public init() {}

  public mutating func append(_ notice: Notice, at date: Date) {
    entries.append(Entry(at: date, notice: notice))
    if entries.count > Self.limit {
      let excess = entries.count - Self.limit
      entries.removeFirst(excess)
      dropped += excess
    }
  }
}
