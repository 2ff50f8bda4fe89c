import FalProtocol
import HistoryModel

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

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
  /// Rows marked with Space, by id, for cancel / delete / open / re-run together.
  public var marked: [String: HistorySummary] = [:]
  public var sort: Sort = .newest
  /// Batch rows opened to show their jobs, by batch id (collapsed is the default).
  public var expandedBatches: Set<String> = []
  /// The selection is the batch row of the batch whose newest record is `selected` (see
  /// `HistoryState+Batches`), not that record.
  public var onBatchRow = false
  /// What the index does not hold (resolution, frames, cost, whether the video is on disk), by id,
  /// for the rows loaded: asked for with `.loadRowDetails` as pages arrive.
  public var details: [String: RowDetail] = [:]
  /// The summary time details were last asked for, by id: a reload of the same rows does not ask
  /// again while an answer is on its way.
  public var detailsAsked: [String: DetailKey] = [:]

  /// What a row's details depend on: a summary that differs in any of these is asked for again.
  public struct DetailKey: Sendable, Hashable {
    public var updatedAt: Date
    public var status: GenerationStatus
    public var awaitsVideo: Bool

    public init(_ summary: HistorySummary) {
      updatedAt = summary.updatedAt
      status = summary.status
      awaitsVideo = summary.awaitsVideo
    }
  }

  /// The order of the rows. The store pages newest first; by cost sorts the rows loaded (the
  /// newest ``windowLimit`` matches at most), dearest first.
  public enum Sort: String, Sendable, Hashable {
    case newest
    case cost
  }

  public init() {}

  public var windowEnd: Int { windowStart + items.count }

  /// The filter as typed, read into fields and text (`status:failed mode:i2v since:2d wheat`).
  public func parsedFilter(now: Date) -> HistoryFilter {
    HistoryFilter(parsing: filter.text, now: now)
  }

  /// The query the filter describes, at `offset`.
  public func query(offset: Int, now: Date) -> HistoryQuery {
    parsedFilter(now: now).query(offset: max(0, offset), limit: Self.pageSize)
  }

  /// The summary shown at `row`: by cost, the loaded rows in that order.
  public func summary(at row: Int) -> HistorySummary? {
    let index = row - windowStart
    guard items.indices.contains(index) else { return nil }
    switch sort {
    case .newest: return items[index]
    case .cost: return costOrder.indices.contains(index) ? items[costOrder[index]] : nil
    }
  }

  /// Indices of `items`, dearest first (unknown costs last, then newest first).
  private var costOrder: [Int] {
    items.indices.sorted { a, b in
      let (ca, cb) = (details[items[a].id]?.cost ?? -1, details[items[b].id]?.cost ?? -1)
      return ca != cb ? ca > cb : a < b
    }
  }

  /// The marked rows (or, with none marked, the selected one, or a selected batch row's jobs),
  /// oldest first.
  public var targets: [HistorySummary] {
    if !marked.isEmpty { return marked.values.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) } }
    if let batch = selectedBatch { return batch.members.reversed() }
    return selectedSummary.map { [$0] } ?? []
  }

  public var selectedSummary: HistorySummary? { summary(at: selected) }
}
