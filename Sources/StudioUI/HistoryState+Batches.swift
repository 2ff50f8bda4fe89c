import HistoryModel

/// Batch rows: the records of one batch (one batch id, read with the row details) shown as one
/// row that expands to its jobs.
///
/// Only the loaded window (at most ``HistoryState/windowLimit`` rows) is ever looked at: a batch's
/// records are consecutive in the newest-first list (they were made one after another, after
/// their batch id), so a batch is the run of neighbouring rows with its id, found by walking out
/// from a row (a job another process made in the middle of a batch splits it in two rows; a
/// filter shows the batch's matching jobs). Nothing here grows with the history's size. Rows are
/// still counted in records (`selected`, `scrollTop`, `total`); a batch row stands at its newest
/// record's row.
extension HistoryState {
  /// The jobs of one batch among the rows loaded, newest first.
  public struct BatchGroup: Sendable, Hashable {
    public var id: String
    public var rows: ClosedRange<Int>
    public var members: [HistorySummary]
  }

  /// One line of the history list.
  public enum ListLine: Sendable, Hashable {
    case record(Int)
    case batch(BatchGroup)
  }

  /// The batch id of the record at `row`, when its details have arrived.
  func batchID(atRow row: Int) -> String? {
    let index = row - windowStart
    guard items.indices.contains(index) else { return nil }
    return details[items[index].id]?.batchID
  }

  /// The batch the record at `row` belongs to (two jobs or more; sorted by cost, no batch rows).
  public func batchGroup(atRow row: Int) -> BatchGroup? {
    guard sort == .newest, let id = batchID(atRow: row) else { return nil }
    var first = row
    while first > windowStart, batchID(atRow: first - 1) == id { first -= 1 }
    var last = row
    while last + 1 < windowEnd, batchID(atRow: last + 1) == id { last += 1 }
    guard last > first else { return nil }
    let members = Array(items[(first - windowStart)...(last - windowStart)])
    return BatchGroup(id: id, rows: first...last, members: members)
  }

  public func isExpanded(_ group: BatchGroup) -> Bool { expandedBatches.contains(group.id) }

  /// The batch row under the selection, if the selection is one.
  public var selectedBatch: BatchGroup? {
    guard onBatchRow else { return nil }
    return batchGroup(atRow: selected)
  }

  /// The line the selection is on.
  var selectedLine: ListLine {
    if let group = selectedBatch { return .batch(group) }
    return .record(selected)
  }

  /// Up to `limit` lines from the record row `top`: a batch shows as its row (where the list
  /// reaches its newest record, or anywhere while it is collapsed), then its jobs when expanded.
  public func lines(from top: Int, limit: Int) -> [ListLine] {
    var lines: [ListLine] = []
    var row = max(0, top)
    // The batch of the last row looked at: its next rows need no walk of their own, so a screen
    // costs its height plus the batches on it, however long they are.
    var last: BatchGroup?
    while lines.count < limit, row < total {
      if let group = last, !group.rows.contains(row) { last = nil }
      guard let group = last ?? batchGroup(atRow: row) else {
        lines.append(.record(row))
        row += 1
        continue
      }
      last = group
      let expanded = isExpanded(group)
      if row == group.rows.lowerBound || !expanded { lines.append(.batch(group)) }
      if !expanded {
        row = group.rows.upperBound + 1
        continue
      }
      if lines.count < limit { lines.append(.record(row)) }
      row += 1
    }
    return lines
  }

  /// The selection after one step down or up a line: into a batch row before its jobs, over a
  /// collapsed batch at once.
  func step(down: Bool) -> (row: Int, onBatch: Bool) {
    /// The line a step lands on at `row`, coming from above (down) or below (up).
    func land(_ row: Int) -> (row: Int, onBatch: Bool)? {
      guard row >= 0, row < total else { return nil }
      guard let group = batchGroup(atRow: row) else { return (row, false) }
      if !isExpanded(group) { return (group.rows.lowerBound, true) }
      return down && row == group.rows.lowerBound ? (row, true) : (row, false)
    }
    let here = (selected, onBatchRow)
    let group = batchGroup(atRow: selected)
    if down {
      if onBatchRow, let group {
        return isExpanded(group) ? (group.rows.lowerBound, false) : land(group.rows.upperBound + 1) ?? here
      }
      return land(selected + 1) ?? here
    }
    if !onBatchRow, let group, isExpanded(group), selected == group.rows.lowerBound {
      return (selected, true)
    }
    let above = onBatchRow ? (group?.rows.lowerBound ?? selected) - 1 : selected - 1
    return land(above) ?? here
  }

  /// Keeps the selection on a line that is shown: a record of a collapsed batch stands for its
  /// batch row; a batch row is at its newest record.
  mutating func normalizeSelection() {
    guard let group = batchGroup(atRow: selected) else {
      onBatchRow = false
      return
    }
    if !isExpanded(group) { onBatchRow = true }
    if onBatchRow { selected = group.rows.lowerBound }
  }

  /// The first record row to draw so the selection's line is on screen, moving as little as it
  /// can from the current one.
  func batchAwareScrollTop(height: Int) -> Int {
    guard height > 0, total > 0 else { return 0 }
    var top = scrollTop
    if selected < top { top = selected }
    // A long jump (G, a page) starts close enough that the walk below stays short.
    if selected - top > height * 4 { top = selected - height + 1 }
    if let group = batchGroup(atRow: top), !isExpanded(group) || onBatchRow && top == selected {
      top = group.rows.lowerBound
    }
    let wanted = selectedLine
    for _ in 0..<(height * 4) {
      let lines = lines(from: top, limit: height)
      if lines.contains(wanted) || lines.isEmpty { return top }
      switch lines[0] {
      case .record(let row): top = row + 1
      case .batch(let group): top = isExpanded(group) ? group.rows.lowerBound + 1 : group.rows.upperBound + 1
      }
    }
    return ListView.scrollTop(top, selected: selected, count: total, height: height)
  }

  /// Expands or collapses the batch row under the selection (Enter, →); false when the selection
  /// is no batch row.
  mutating func toggleSelectedBatch(expand: Bool?) -> Bool {
    guard let group = selectedBatch ?? (expand == false ? batchGroup(atRow: selected) : nil) else { return false }
    let open = expand ?? !isExpanded(group)
    if open { expandedBatches.insert(group.id) } else { expandedBatches.remove(group.id) }
    selected = group.rows.lowerBound
    onBatchRow = true
    return true
  }
}
