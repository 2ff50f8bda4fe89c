import FalClient
import HistoryStore

/// What can stop a studio action, each with the words a user needs.
public enum StudioError: Error, Sendable, CustomStringConvertible {
  case client(FalClientError)
  case history(HistoryStoreError)
  case unknownRecord(String)
  case ambiguousRecord(String, matches: Int)
  case notResumable(String)
  /// Another process is following this record (a `resume` or `generate --wait` elsewhere).
  case busy(String)
  /// A submit whose reply was lost: the record is kept as `unknown` and nothing was sent again.
  case outcomeUnknown(recordID: String, detail: String)
  /// A cancel of a job that had already ended; nothing was cancelled.
  case alreadyFinished(recordID: String, status: GenerationStatus)

  public var description: String {
    switch self {
    case .client(let error): error.description
    case .history(let error): error.description
    case .unknownRecord(let id): "no generation '\(id)' in the history"
    case .ambiguousRecord(let id, let matches): "'\(id)' matches \(matches) generations; give more of the id"
    case .notResumable(let reason): reason
    case .busy(let id): "\(id) is being resumed by another process; skipped"
    case .outcomeUnknown(let recordID, let detail):
      "\(detail). History id \(recordID) is marked unknown and was not sent again; if fal has no such job "
        + "(see its dashboard), send it again with: magi-studio resume --retry-unknown-submit \(recordID)"
    case .alreadyFinished(let recordID, let status) where status == .unknown:
      "\(recordID) has no request id to cancel: its submit's reply was lost; nothing was cancelled"
    case .alreadyFinished(let recordID, let status):
      "\(recordID) had already ended \(status.rawValue); nothing was cancelled"
    }
  }
}
