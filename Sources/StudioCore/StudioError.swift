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

  public var description: String {
    switch self {
    case .client(let error): error.description
    case .history(let error): error.description
    case .unknownRecord(let id): "no generation '\(id)' in the history"
    case .ambiguousRecord(let id, let matches): "'\(id)' matches \(matches) generations; give more of the id"
    case .notResumable(let reason): reason
    case .busy(let id): "\(id) is being resumed by another process; skipped"
    }
  }
}
