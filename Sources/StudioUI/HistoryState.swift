import HistoryModel

/// A window onto the history: one or a few pages of summaries around the selection, never the
/// whole file (which may hold 100,000 records). Pages arrive as actions after `.loadHistory`.
public struct HistoryState: Sendable, Hashable {
  /// Summaries per page asked of the store.
  public static let pageSize = 50
  /// At most this many summaries are kept; pages far from the selection are dropped.
  public static let windowLimit = 200

  /// The filter as typed (`/`).
  public var filter = TextEditor()
  public var filterEditing = false
  /// Summaries of rows `windowStart ..< windowStart + items.count`, newest first.
  public var items: [HistorySummary] = []
  public var windowStart = 0
  /// Matches of the current filter in all.
  public var total = 0
  /// Absolute row of the selection (0 = newest).
  public var selected = 0
  public var scrollTop = 0
  /// The page asked for and not yet answered (one at a time; a newer query replaces it).
  public var loading: HistoryQuery?
  /// True once a first page has arrived (before that the list says "loading", not "empty").
  public var loaded = false
  /// The file changed while a page was on its way: that page may be older than the change, so
  /// the rows are asked for once more when it arrives.
  public var stale = false

  public init() {}

  public var windowEnd: Int { windowStart + items.count }

  /// The query the filter describes, at `offset`.
  public func query(offset: Int) -> HistoryQuery {
    let text = filter.text.trimmingCharacters(in: " ")
    return HistoryQuery(text: text.isEmpty ? nil : text, offset: max(0, offset), limit: Self.pageSize)
  }

  public func summary(at row: Int) -> HistorySummary? {
    let index = row - windowStart
    return items.indices.contains(index) ? items[index] : nil
  }

  public var selectedSummary: HistorySummary? { summary(at: selected) }
}
