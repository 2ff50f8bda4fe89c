import HistoryModel
import TerminalScreen

/// What the compare view holds: the records side by side (2 to 9: marked rows, or a batch's
/// finished jobs), which parameters set them apart, each one's contact sheet, and the cell the
/// keys act on.
public struct CompareState: Sendable, Hashable {
  /// What was asked for, until the records arrive.
  public var request: CompareRequest
  /// The records, in the order shown; empty while they load.
  public var records: [GenerationRecord] = []
  public var comparison: RecordComparison?
  /// The cell the keys act on.
  public var selected = 0
  /// Each record's sheet, by id (asked for by ``StudioReducer/reconcileCompare(_:)``).
  public var sheets: [String: PreviewSheet] = [:]
  /// The frame size the sheets were asked for: a new size (a resize) asks again.
  public var frame: CellSize?

  public init(request: CompareRequest) {
    self.request = request
  }

  public var selectedRecord: GenerationRecord? {
    records.indices.contains(selected) ? records[selected] : nil
  }
}

/// Which records a compare shows.
public enum CompareRequest: Sendable, Hashable {
  /// These records (the marked rows), oldest first.
  case records([String])
  /// The finished records of the batch this record belongs to.
  case batchOf(String)
}
