import FalClient
import FalProtocol
import HistoryStore

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

  public init() {}

  public var selectedIndex: Int? { selectedID.flatMap { id in jobs.firstIndex { $0.id == id } } }
  public var selected: GenerationRecord? { selectedIndex.map { jobs[$0] } }

  /// Jobs that can still change: what keeps the clock ticking.
  public var activeCount: Int { jobs.filter { !$0.status.isFinal }.count }
}
