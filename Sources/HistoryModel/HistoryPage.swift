/// One page of a history query.
public struct HistoryPage: Sendable, Hashable {
  /// The page's records, newest first.
  public var summaries: [HistorySummary]
  /// How many records match the query in all (for "page 3 of 40").
  public var totalMatches: Int
  public var offset: Int
  public var limit: Int

  public init(summaries: [HistorySummary], totalMatches: Int, offset: Int, limit: Int) {
    self.summaries = summaries
    self.totalMatches = totalMatches
    self.offset = offset
    self.limit = limit
  }

  /// True when later pages exist.
  public var hasMore: Bool { offset + summaries.count < totalMatches }
}
