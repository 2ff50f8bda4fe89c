#if canImport(Glibc)
  import Glibc
#endif

/// A history operation that failed, with the file and the system's reason.
///
/// The message is meant for the user as is: "cannot write history (No space left on device):
/// /home/ana/.local/share/magi-studio/history.jsonl". A failed save leaves the record in memory
/// (see ``HistorySummary/isSaved``), so this error reports a problem without losing anything.
public struct HistoryStoreError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What the store was doing.
  public enum Operation: String, Sendable, Hashable {
    case createDirectory = "create the history directory"
    case open = "open history"
    case lock = "lock history"
    case read = "read history"
    case write = "write history"
    case sync = "sync history"
    case compact = "compact history"
    case encode = "encode a history record"
    case export = "export history"
    case removeVideo = "remove the video"
  }

  public var operation: Operation
  /// The file or directory concerned.
  public var path: String
  /// The `errno` value, when a system call failed.
  public var code: Int32?
  /// `strerror(code)`, or what went wrong when no system call did.
  public var reason: String

  public init(_ operation: Operation, path: String, code: Int32) {
    self.operation = operation
    self.path = path
    self.code = code
    self.reason = String(cString: strerror(code))
  }

  public init(_ operation: Operation, path: String, reason: String) {
    self.operation = operation
    self.path = path
    self.code = nil
    self.reason = reason
  }

  public var description: String { "cannot \(operation.rawValue) (\(reason)): \(path)" }
}
