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
  /// When the follow tries again.
  public var retryAt: Date

  public init(reason: String, retryAt: Date) {
    self.reason = reason
    self.retryAt = retryAt
  }

  public init(_ trouble: ConnectionTrouble, now: Date) {
    let (seconds, attoseconds) = trouble.retryIn.components
    self.init(reason: trouble.reason, retryAt: now + Double(seconds) + Double(attoseconds) / 1e18)
  }

  /// "retry 5s": the row's narrow form (the status badge says it whole).
  public func shortMessage(now: Date) -> String {
    let seconds = Int(max(0, retryAt.timeIntervalSince(now)).rounded(.up))
    return seconds > 0 ? "retry \(seconds)s" : "retrying"
  }

  /// "connection lost, retrying (next in 5s)", counting down with the clock.
  public func message(now: Date) -> String {
    let seconds = Int(max(0, retryAt.timeIntervalSince(now)).rounded(.up))
    return seconds > 0 ? "connection lost, retrying (next in \(seconds)s)" : "connection lost, retrying now"
  }
}
