import FalProtocol

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Which records a history list shows, and which page of them.
///
/// Every filter is optional and they combine with AND; results are always newest first (by creation
/// time, so that a job does not jump around the list each time its status changes).
public struct HistoryQuery: Sendable, Hashable {
  /// Case-insensitive substring of the prompt; nil or empty matches everything.
  public var text: String?
  /// Only these statuses; nil matches every status.
  public var statuses: Set<GenerationStatus>?
  /// Only these modes; nil matches every mode.
  public var modes: Set<MagiMode>?
  /// Only these models; nil matches every model.
  public var models: Set<MagiModel>?
  /// Created at or after this time.
  public var createdFrom: Date?
  /// Created strictly before this time.
  public var createdBefore: Date?
  /// Only records that do (true) or do not (false) await their video (``GenerationRecord/awaitsVideo``).
  public var awaitingVideo: Bool?
  /// How many matches to skip (paging).
  public var offset: Int
  /// At most this many summaries per page.
  public var limit: Int

  public init(
    text: String? = nil, statuses: Set<GenerationStatus>? = nil, modes: Set<MagiMode>? = nil,
    models: Set<MagiModel>? = nil, createdFrom: Date? = nil, createdBefore: Date? = nil, awaitingVideo: Bool? = nil,
    offset: Int = 0,
    limit: Int = 50
  ) {
    self.text = text
    self.statuses = statuses
    self.modes = modes
    self.models = models
    self.createdFrom = createdFrom
    self.createdBefore = createdBefore
    self.awaitingVideo = awaitingVideo
    self.offset = offset
    self.limit = limit
  }

  /// Every record, first page of 50.
  public static let all = HistoryQuery()
}
