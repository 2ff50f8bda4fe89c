/// What a delete did.
public struct HistoryDeletion: Sendable, Hashable {
  /// What happened to the record's downloaded video.
  public enum Video: Sendable, Hashable, CustomStringConvertible {
    /// Removing it was not asked for, or the record had none.
    case kept
    case removed
    /// The record named a file that no longer exists.
    case missing
    /// The file lies outside the studio's data directory, so the studio does not own it.
    case refusedOutsideDataDirectory(String)
    /// Removing it failed (the reason); the record is deleted all the same.
    case failed(String)
    /// Another record (this id) points at the same file, so it stays for that one.
    case sharedWith(String)

    public var description: String {
      switch self {
      case .kept: "kept"
      case .removed: "removed"
      case .missing: "already gone"
      case .refusedOutsideDataDirectory(let path): "kept: \(path) lies outside the studio's data directory"
      case .failed(let reason): "not removed: \(reason)"
      case .sharedWith(let id): "kept: record \(id) uses the same file"
      }
    }
  }

  /// False when no record had that id (nothing was written).
  public var found: Bool
  public var video: Video

  public init(found: Bool, video: Video) {
    self.found = found
    self.video = video
  }
}
