import FalProtocol
import HistoryStore
import StudioCore
import StudioUI
import Synchronization

/// The one path by which jobs reach the UI: submits, follows (new, resumed, adopted) and every
/// event the generation runner reports while it works on them.
///
/// The generation runner is made with ``events(into:)`` as its `onEvent`, so its records, log lines,
/// transfers and connection troubles become actions here, beside the follower's own reports
/// (submitted, submit failed, why a follow stopped). Every follow — after a submit, of a job left
/// from the last run, of one adopted from the history — goes through ``follow(_:ifBusy:quietly:)``,
/// so no job is ever followed twice at once (two follows would report every log line twice).
public final class JobFollower: Sendable {
  private let jobs: GenerationRunner
  private let inbox: Inbox
  private let tasks: TaskTracker
  private let following = Mutex<Set<String>>([])

  /// - Parameter jobs: a generation runner whose `onEvent` is ``events(into:)`` with the same inbox.
  public init(jobs: GenerationRunner, inbox: Inbox, tasks: TaskTracker) {
    self.jobs = jobs
    self.inbox = inbox
    self.tasks = tasks
  }

  /// The generation runner's `onEvent` for a studio: each event as the action the UI understands.
  public static func events(into inbox: Inbox) -> @Sendable (JobEvent) -> Void {
    { event in inbox.post(action(for: event)) }
  }

  static func action(for event: JobEvent) -> Action {
    switch event {
    case .updated(let record): .jobUpdated(record)
    case .logs(let id, let entries): .jobLogs(id, entries)
    case .uploadProgress(let id, let progress): .transfer(recordID: id ?? "", progress)
    case .downloadProgress(let id, let progress): .transfer(recordID: id, progress)
    case .connection(let id, let trouble): .jobConnection(id, trouble)
    case .warning(_, let text): .notice(text)
    }
  }

  /// Submits, reports the outcome, and follows the new job. A method rather than a closure: a typed
  /// `do throws` inside a task's closure was seen to miscompile in release builds (Swift 6.3.1).
  func submit(_ request: MagiRequest, source: MediaInput?, parentID: String?, webhook: String?) async {
    do {
      let record = try await jobs.submit(
        request, source: source, parentID: parentID, options: .init(webhookURL: webhook))
      inbox.post(.submitted(record))
      follow(record.id)
    } catch {
      if case .client(.invalidInput(let fields)) = error {
        inbox.post(.submitFailed(.fields(fields)))
      } else if case .outcomeUnknown(let recordID, _) = error {
        inbox.post(.submitFailed(.outcomeUnknown(recordID: recordID)))
      } else {
        inbox.post(.submitFailed(.message(error.description)))
      }
    }
  }

  /// Follows every job the last run left queued, running or undownloaded (see
  /// ``GenerationRunner/unfinishedRecordIDs()``), each through ``follow(_:ifBusy:quietly:)``.
  public func resumeUnfinished() {
    tasks.start { [jobs, inbox] in
      let ids = await jobs.unfinishedRecordIDs()
      if Task.isCancelled { return }
      for id in ids { self.follow(id, ifBusy: .skip) }
      if !ids.isEmpty { inbox.post(.notice("resuming \(ids.count) job(s) from the last run")) }
    }
  }

  /// Follows `recordID` unless this studio already does. A resumed job that another process is
  /// following (`ifBusy: .skip`) is left to it: the history watcher shows its progress.
  /// `quietly`: a job adopted from the history (see ``Effect/adopt(_:)``) that another process
  /// follows, or that was sent to another server, is passed over without a notice.
  public func follow(_ recordID: String, ifBusy: RecordLock.Busy = .wait, quietly: Bool = false) {
    guard following.withLock({ $0.insert(recordID).inserted }) else { return }
    let started = tasks.start {
      await self.followToEnd(recordID, ifBusy: ifBusy, quietly: quietly)
      self.following.withLock { _ = $0.remove(recordID) }
    }
    if started == nil { following.withLock { _ = $0.remove(recordID) } }
  }

  /// Whether a follow of `recordID` is under way in this studio.
  public func isFollowing(_ recordID: String) -> Bool {
    following.withLock { $0.contains(recordID) }
  }

  private func followToEnd(_ recordID: String, ifBusy: RecordLock.Busy, quietly: Bool) async {
    do { try await jobs.follow(recordID: recordID, ifBusy: ifBusy) } catch {
      // A follow ended by quitting says nothing: the job resumes on the next start.
      if Task.isCancelled { return }
      switch error {
      case StudioError.busy where quietly, StudioError.notResumable where quietly:
        break
      case StudioError.busy:
        inbox.post(.notice("\(recordID.suffix(6)): followed by another process; its progress shows here"))
      default:
        inbox.post(.notice("\(recordID.suffix(6)): \(error)"))
      }
    }
  }
}
