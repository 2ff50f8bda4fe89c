import FalProtocol

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// What a history list shows of one record: built from the index alone, without decoding the record.
public struct HistorySummary: Sendable, Hashable, Identifiable {
  public var id: String
  public var createdAt: Date
  public var updatedAt: Date
  public var status: GenerationStatus
  public var mode: MagiMode
  public var model: MagiModel
  public var prompt: String
  /// False while the latest change exists only in memory (the last write failed); the next
  /// successful write saves it.
  public var isSaved: Bool
  /// ``GenerationRecord/awaitsVideo``: finished, its video not saved yet. Changes without
  /// `updatedAt` when the download lands, so a list showing "on disk" watches it too.
  public var awaitsVideo: Bool

  public init(
    id: String, createdAt: Date, updatedAt: Date, status: GenerationStatus, mode: MagiMode, model: MagiModel,
    prompt: String, isSaved: Bool, awaitsVideo: Bool = false
  ) {
    self.awaitsVideo = awaitsVideo
    self.id = id
    self.createdAt = createdAt
    self.updatedAt = updatedAt
    self.status = status
    self.mode = mode
    self.model = model
    self.prompt = prompt
    self.isSaved = isSaved
  }
}
