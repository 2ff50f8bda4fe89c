import FalProtocol
import HistoryStore
import StudioCore
import StudioUI
import Synchronization

/// Performs the effects that need the network, the disk or another process, each as a tracked
/// task that reports back with actions in the inbox: effects in, actions out.
///
/// The effects that need the terminal itself (copy, notify, bell, theme, quit) are the loop's
/// (``StudioLoop``). Blocking calls — the directory listing of a path completion, the `waitpid` on
/// `xdg-open` — run on threads of their own (``DedicatedThread``), never on the task pool.
public final class EffectRunner: Sendable {
  public let jobs: JobCoordinator
  public let follower: JobFollower
  public let inbox: Inbox
  public let tasks: TaskTracker
  private let launcher: Launcher
  private let home: String
  private let checkSource: @Sendable (MediaInput) throws -> MediaInput
  /// The last history query, cancelled by the next one while the user types a filter.
  private let historyQuery = Mutex<Task<Void, Never>?>(nil)

  /// - Parameters:
  ///   - jobs: a coordinator made with ``JobFollower/events(into:)`` on `inbox` as its `onEvent`.
  ///   - home: what `~/` in a path completion stands for.
  ///   - checkSource: checks a local source file for what it really is before anything is uploaded
  ///     (the CLI's own check, so both refuse the same files with the same words); it reads a
  ///     few bytes of a local file, on the UI thread.
  public init(
    jobs: JobCoordinator, inbox: Inbox, tasks: TaskTracker = TaskTracker(), launcher: Launcher, home: String,
    checkSource: @escaping @Sendable (MediaInput) throws -> MediaInput = { $0 }
  ) {
    self.jobs = jobs
    self.inbox = inbox
    self.tasks = tasks
    self.launcher = launcher
    self.home = home
    self.checkSource = checkSource
    follower = JobFollower(jobs: jobs, inbox: inbox, tasks: tasks)
  }

  /// Starts the work `effect` asks for; false for an effect this runner does not perform (one of
  /// the loop's own).
  @discardableResult
  public func perform(_ effect: Effect) -> Bool {
    let jobs = jobs
    let history = jobs.history
    let inbox = inbox
    let follower = follower
    switch effect {
    case .submit(let request, let source, let parentID):
      let checked: MediaInput?
      do { checked = try source.map(checkSource) } catch {
        inbox.post(.submitFailed(.message("\(error)")))
        return true
      }
      tasks.start { await follower.submit(request, source: checked, parentID: parentID) }
    case .cancel(let id):
      tasks.start {
        do {
          let outcome = try await jobs.cancel(recordID: id)
          inbox.post(
            .notice(outcome == .requested ? "cancellation requested" : "too late: the job had already finished"))
        } catch {
          if Task.isCancelled { return }
          inbox.post(.notice("cannot cancel: \(error)"))
        }
      }
    case .loadHistory(let query):
      loadHistory(query)
    case .loadRecord(let id):
      tasks.start {
        do {
          guard let record = try await history.record(id: id) else {
            inbox.post(.recordMissing(id, message: "it is no longer in the history"))
            return
          }
          inbox.post(.recordLoaded(record))
        } catch {
          inbox.post(.recordMissing(id, message: "\(error)"))
        }
      }
    case .delete(let id, let removeVideo):
      let logs = jobs.logs
      tasks.start {
        do {
          let deletion = try await history.delete(id: id, removeVideo: removeVideo)
          logs?.remove(id)
          inbox.post(.recordDeleted(id))
          if removeVideo { inbox.post(.notice("deleted; video: \(deletion.video)")) }
        } catch {
          inbox.post(.notice("cannot delete: \(error)"))
        }
      }
    case .open(let id):
      let launcher = launcher
      tasks.start {
        guard let record = try? await history.record(id: id) else {
          inbox.post(.notice("nothing to open"))
          return
        }
        if record.localFile == nil, record.result == nil {
          inbox.post(
            .notice(
              record.status == .completed
                ? "the video is still being fetched; try again in a moment" : "\(record.status.rawValue): no video yet")
          )
          return
        }
        let target = Launcher.Target(localPath: record.localFile?.path, url: record.result?.videoURL)
        // `xdg-open` may not return until the viewer it starts exits.
        guard let outcome = try? await DedicatedThread.run(named: "magi-open", { launcher.open(target) }) else {
          return
        }
        if !outcome.escapes.isEmpty { inbox.send(escape: outcome.escapes) }
        inbox.post(.notice(outcome.message))
      }
    case .completePath(let prefix):
      let home = home
      tasks.start {
        guard
          let candidates = try? await DedicatedThread.run(
            named: "magi-complete", { PathCompletion.candidates(for: prefix, home: home) })
        else { return }
        inbox.post(.pathCompletions(prefix: prefix, candidates))
      }
    case .adopt(let ids):
      for id in ids { follower.follow(id, ifBusy: .skip, quietly: true) }
    case .copyToClipboard, .notify, .bell, .cycleTheme, .quit:
      return false
    }
    return true
  }

  /// A query typed into the filter waits a moment for the next key, and the next query cancels it.
  private func loadHistory(_ query: HistoryQuery) {
    let history = jobs.history
    let inbox = inbox
    let debounce = query.text?.isEmpty == false
    historyQuery.withLock { previous in
      if debounce { previous?.cancel() }
      previous = tasks.start {
        if debounce {
          do { try await Task.sleep(for: .milliseconds(120)) } catch { return }
        }
        let page = await history.query(query)
        if Task.isCancelled { return }
        inbox.post(.historyPage(page, for: query))
      }
    }
  }
}
