import FalClient
import FalProtocol
import HistoryStore

/// What a job reports while it moves, for a UI to show (the CLI prints them, the TUI posts them).
public enum JobEvent: Sendable {
  /// The record changed (status, progress, result, local file).
  case updated(GenerationRecord)
  /// Log lines new since the last event, already deduplicated.
  case logs(recordID: String, [LogEntry])
  case uploadProgress(recordID: String?, TransferProgress)
  case downloadProgress(recordID: String, TransferProgress)
  /// The server stopped answering while the job was followed (with when the next try comes), or,
  /// with nil, answers again.
  case connection(recordID: String, ConnectionTrouble?)
  /// Something the user should know that did not stop the job (history not writable, stream fallback).
  case warning(recordID: String?, String)
}
