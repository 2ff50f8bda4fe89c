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

  /// Submits a batch under one new batch id, at most ``BatchSubmission/maxParallel`` jobs in flight
  /// (submitted and not yet ended, as the CLI's `--max-parallel` counts them), each submitted and
  /// followed as a single submit is; says how the batch went when its last job has ended.
  func submitBatch(_ batch: BatchSubmission, source: MediaInput?) async {
    let batchID = GenerationRunner.newBatchID()
    var requests = batch.requests
    if batch.drawsSeeds {
      // The studio's core draws nothing at random: the seeds of `seeds=N` are drawn here, one
      // per index the requests name, so every combination gets the same N seeds.
      var generator = SystemRandomNumberGenerator()
      let slots = requests.map { max(0, $0.seed ?? 0) }
      let seeds = Variations.randomSeeds((slots.max() ?? -1) + 1, using: &generator)
      for index in requests.indices { requests[index].seed = seeds[slots[index]] }
    }
    let count = requests.count
    var submitted = 0
    await withTaskGroup(of: Bool.self) { group in
      var next = 0
      func startNext() {
        guard next < count, !Task.isCancelled else { return }
        let request = requests[next]
        let label = "job \(next + 1) of \(count)"
        next += 1
        inbox.post(.batchJobsDequeued([request]))
        group.addTask {
          await self.submitInBatch(
            request, source: source, parentID: batch.parentID, webhook: batch.webhook, batchID: batchID, label: label)
        }
      }
      for _ in 0..<min(BatchSubmission.maxParallel, count) { startNext() }
      while let sent = await group.next() {
        if sent { submitted += 1 }
        startNext()
      }
    }
    if Task.isCancelled { return }
    let failed = count - submitted
    inbox.post(
      .notice(
        "batch \(batchID.suffix(6)): \(submitted) of \(count) jobs submitted and ended"
          + (failed > 0 ? ", \(failed) could not be submitted" : "")))
  }

  /// One job of a batch: submitted with the batch's id, then followed to its end (awaited, so the
  /// batch's slot stays taken while it runs). False when it could not be submitted.
  private func submitInBatch(
    _ request: MagiRequest, source: MediaInput?, parentID: String?, webhook: String?, batchID: String, label: String
  ) async -> Bool {
    do {
      let record = try await jobs.submit(
        request, source: source, parentID: parentID, options: .init(webhookURL: webhook), batchID: batchID)
      inbox.post(.submitted(record))
      guard following.withLock({ $0.insert(record.id).inserted }) else { return true }
      await followToEnd(record.id, ifBusy: .wait, quietly: false)
      following.withLock { _ = $0.remove(record.id) }
      return true
    } catch {
      if Task.isCancelled { return false }
      inbox.post(.submitFailed(.message("\(label): \(error.description)")))
      return false
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
