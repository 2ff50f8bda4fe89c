/// Where a generation stands, as the studio last knew it.
///
/// fal itself reports only three queue states; the history needs more: `submitting` is written
/// before the network call so that a crash mid-submit still leaves a trace (a job that may have
/// been paid for), and `lost` marks a request the server no longer knows, which must never be
/// shown as done.
public enum GenerationStatus: String, Sendable, Codable, Hashable, CaseIterable {
  case submitting
  case queued
  case running
  case completed
  case failed
  case cancelled
  case lost

  /// True once the job can no longer change on the server side.
  public var isFinal: Bool {
    switch self {
    case .submitting, .queued, .running: false
    case .completed, .failed, .cancelled, .lost: true
    }
  }
}
