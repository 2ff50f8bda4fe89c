/// Where a generation stands, as the studio last knew it.
///
/// fal itself reports only three queue states; the history needs more: `submitting` is written
/// before the network call so that a crash mid-submit still leaves a trace (a job that may have
/// been paid for), `lost` marks a request the server no longer knows, which must never be
/// shown as done, and `unknown` a submit that may have reached fal but whose reply never came back:
/// perhaps a billed job, perhaps nothing. It is never resent without the user asking.
public enum GenerationStatus: String, Sendable, Codable, Hashable, CaseIterable {
  case submitting
  case queued
  case running
  case completed
  case failed
  case cancelled
  case lost
  /// The submit's outcome is unknown (its reply was lost): there is no request id to follow, and
  /// sending it again could make a second billed job. Last, so that earlier cases keep their bytes
  /// in a saved index.
  case unknown

  /// True once the job can no longer change on the server side.
  public var isFinal: Bool {
    switch self {
    case .submitting, .queued, .running: false
    case .completed, .failed, .cancelled, .lost, .unknown: true
    }
  }
}
