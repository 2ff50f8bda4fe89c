/// What a delete did.
public struct HistoryDeletion: Sendable, Hashable {
  /// What happened to the record's downloaded video.
  public enum Video: Sendable, Hashable {
    /// Removing it was not asked for, or the record had none.
    case kept
    case removed
    /// The record named a file that no longer exists.
    case missing
    /// The file lies outside the studio's data directory, so the studio does not own it.
    case refusedOutsideDataDirectory(String)
    /// Removing it failed (the reason); the record is deleted all the same.
    case failed(String)
  }

  /// False when no record had that id (nothing was written).
  public var found: Bool
  public var video: Video

  public init(found: Bool, video: Video) {
    self.found = found
    self.video = video
  }
}
