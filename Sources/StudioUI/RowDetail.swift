import FalProtocol
import HistoryModel

/// What a history row shows beyond the index's summary: read from the full record (and a look at
/// the disk) by the runtime for the rows loaded, since the index keeps only what a list filters on.
public struct RowDetail: Sendable, Hashable {
  public var resolution: String?
  public var frames: Int?
  /// Dollars, when billed.
  public var cost: Double?
  /// fal's billing units, when billed.
  public var units: Double?
  /// The record's video file exists on this machine.
  public var onDisk: Bool
  /// Picked as the best of a compare (★).
  public var starred = false
  /// The batch the job was submitted in: rows of one batch show as one batch row.
  public var batchID: String?

  public init(
    resolution: String?, frames: Int?, cost: Double?, units: Double? = nil, onDisk: Bool, starred: Bool = false,
    batchID: String? = nil
  ) {
    self.batchID = batchID
    self.resolution = resolution
    self.frames = frames
    self.cost = cost
    self.units = units
    self.onDisk = onDisk
    self.starred = starred
  }

  /// The detail of `record`; `onDisk` says whether its local file exists (the caller looked).
  public init(_ record: GenerationRecord, onDisk: Bool) {
    let parameters = RecordParameters(record)
    self.init(
      resolution: parameters.resolution, frames: parameters.numFrames,
      cost: record.billing?.cost, units: record.billing?.units, onDisk: onDisk, starred: record.starred,
      batchID: record.batchID)
  }
}
