import FalProtocol
import HistoryModel

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// The jobs of this session (and the unfinished ones resumed at start), newest first, with each
/// job's live log.
public struct QueueState: Sendable, Hashable {
  public var jobs: [GenerationRecord] = []
  public var selectedID: String?
  /// First visible row of the job list.
  public var scrollTop = 0
  public var logs: [String: LogBuffer] = [:]
  /// Upload or download progress by record id, while a transfer runs.
  public var transfers: [String: TransferProgress] = [:]
  /// Jobs whose server stopped answering, by record id: shown on the job's row and in the status
  /// badge until the server answers again or the job ends.
  public var connection: [String: ConnectionLoss] = [:]
  /// The user chose the selected job (moved or clicked in the list): the log stays on it. Until
  /// then the selection, and the log, follow the running job.
  public var pinned = false
  /// Long log lines wrap instead of being cut at the edge (`w`).
  public var wrapLog = false

  public init() {}

  public var selectedIndex: Int? { selectedID.flatMap { id in jobs.firstIndex { $0.id == id } } }
  public var selected: GenerationRecord? { selectedIndex.map { jobs[$0] } }

  /// Jobs that can still change: what keeps the clock ticking.
  public var activeCount: Int { jobs.filter { !$0.status.isFinal }.count }
}

/// A followed job that cannot reach its server right now.
public struct ConnectionLoss: Sendable, Hashable {
  /// What failed last.
  public var reason: String
  /// When the follow (or the submit) tries again.
  public var retryAt: Date
  /// The server is there and said "not now" (429, 503): a submit waits its turn, nothing is lost.
  public var busy: Bool
  /// Attempts turned away so far.
  public var failures: Int

  public init(reason: String, retryAt: Date, busy: Bool = false, failures: Int = 1) {
    self.reason = reason
    self.retryAt = retryAt
    self.busy = busy
    self.failures = failures
  }

  public init(_ trouble: ConnectionTrouble, now: Date) {
    let (seconds, attoseconds) = trouble.retryIn.components
    self.init(
      reason: trouble.reason, retryAt: now + Double(seconds) + Double(attoseconds) / 1e18, busy: trouble.busy,
      failures: trouble.failures)
  }

  /// "retry 5s" or "busy 5s": the row's narrow form (the status badge says it whole).
  public func shortMessage(now: Date) -> String {
    let seconds = Int(max(0, retryAt.timeIntervalSince(now)).rounded(.up))
    if busy { return seconds > 0 ? "busy \(seconds)s" : "busy" }
    return seconds > 0 ? "retry \(seconds)s" : "retrying"
  }

  /// "connection lost, retrying (next in 5s)", or for a server that turned a submit away "server
  /// busy, sending again in 5s (3 tries)", counting down with the clock.
  public func message(now: Date) -> String {
    let seconds = Int(max(0, retryAt.timeIntervalSince(now)).rounded(.up))
    if busy {
      let tries = failures > 1 ? " (\(failures) tries)" : ""
      return (seconds > 0 ? "server busy, sending again in \(seconds)s" : "server busy, sending again") + tries
    }
    return seconds > 0 ? "connection lost, retrying (next in \(seconds)s)" : "connection lost, retrying now"
  }
}
