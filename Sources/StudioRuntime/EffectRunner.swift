import DedicatedThreads
import FalProtocol
import Foundation
import HistoryStore
import StudioCore
import StudioUI
import Synchronization
import TerminalScreen

/// Performs the effects that need the network, the disk or another process, each as a tracked
/// task that reports back with actions in the inbox: effects in, actions out.
///
/// The effects that need the UI thread's terminal or state (notify, bell, themes, redraw, quit) are
/// the loop's (``StudioLoop``). Blocking calls — the directory listing of a path completion, the
/// `waitpid` on `xdg-open`, writing config.toml — run on threads of their own (``DedicatedThread``),
/// never on the task pool.
public final class EffectRunner: Sendable {
  public let jobs: GenerationRunner
  public let follower: JobFollower
  public let inbox: Inbox
  public let tasks: TaskTracker
  /// The terminal the user looks at: clipboard copies and notices.
  public let outer: any OuterTerminalLink
  private let launcher: Launcher
  private let home: String
  private let configFile: String
  private let checkSource: @Sendable (MediaInput) throws -> MediaInput
  /// Video previews (sheets and playback); nil where there is no decoder: previews then say so.
  public let previews: PreviewRunner?
  /// The last history query, cancelled by the next one while the user types a filter.
  private let historyQuery = Mutex<Task<Void, Never>?>(nil)

  /// - Parameters:
  ///   - jobs: a generation runner made with ``JobFollower/events(into:)`` on `inbox` as its `onEvent`.
  ///   - outer: where copies and notices go (the terminal, or tmux around it).
  ///   - home: what `~/` in a path completion stands for.
  ///   - configFile: the config.toml a theme is saved to as the default.
  ///   - checkSource: checks a local source file for what it really is before anything is uploaded
  ///     (the CLI's own check, so both refuse the same files with the same words); it reads a
  ///     few bytes of a local file, on the UI thread.
  public init(
    jobs: GenerationRunner, inbox: Inbox, tasks: TaskTracker = TaskTracker(), outer: any OuterTerminalLink,
    launcher: Launcher, home: String, configFile: String,
    checkSource: @escaping @Sendable (MediaInput) throws -> MediaInput = { $0 },
    previews: PreviewRunner? = nil
  ) {
    self.previews = previews
    self.jobs = jobs
    self.inbox = inbox
    self.tasks = tasks
    self.outer = outer
    self.launcher = launcher
    self.home = home
    self.configFile = configFile
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
    case .submit(let request, let source, let parentID, let webhook):
      let checked: MediaInput?
      do { checked = try source.map(checkSource) } catch {
        inbox.post(.submitFailed(.message("\(error)")))
        return true
      }
      tasks.start { await follower.submit(request, source: checked, parentID: parentID, webhook: webhook) }
    case .submitBatch(let batch):
      let checked: MediaInput?
      do { checked = try batch.source.map(checkSource) } catch {
        inbox.post(.batchJobsDequeued(batch.requests))
        inbox.post(.submitFailed(.message("\(error)")))
        return true
      }
      tasks.start { await follower.submitBatch(batch, source: checked) }
    case .loadSpentToday(let prices):
      tasks.start {
        let price: @Sendable (MagiModel) -> Double = { prices[$0] ?? $0.defaultPricePerUnit }
        let spent = try? await history.spentToday(pricePerUnit: price)
        if Task.isCancelled { return }
        inbox.post(.spentToday(spent))
      }
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
      let videos = jobs.videosDirectory
      tasks.start {
        do {
          let deletion = try await history.delete(id: id, removeVideo: removeVideo, videosDirectory: videos)
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
        // An offline twin's URL dies with the studio that served it: only its file is worth opening.
        let url = StudioReducer.ranOffline(record) ? nil : record.result?.videoURL
        let target = Launcher.Target(localPath: record.localFile?.path, url: url)
        await self.open(target, with: launcher)
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
    case .openVideosFolder:
      // The launcher opens only what is inside the studio's directories; the videos directory is
      // one of them itself, so its parent is the one allowed here.
      let videos = Launcher.canonicalPath(jobs.videosDirectory)
      let parent = videos.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
      let launcher = Launcher(environment: launcher.environment, allowedDirectories: [parent], spawn: launcher.spawn)
      tasks.start { await self.open(.init(localPath: videos), with: launcher) }
    case .copyToClipboard(let text):
      let outer = outer
      tasks.start {
        let phrase = await outer.copy(text, describedAs: TextWidth.truncate(text, to: 60))
        if Task.isCancelled { return }
        inbox.post(.notice(phrase))
      }
    case .saveThemeAsDefault(let name):
      tasks.start { await self.saveThemeAsDefault(name) }
    case .loadRowDetails(let ids):
      tasks.start {
        var details: [String: RowDetail] = [:]
        for id in ids {
          guard let record = try? await history.record(id: id) else { continue }
          let onDisk = record.localFile.map { FileManager.default.fileExists(atPath: $0.path) } ?? false
          details[id] = RowDetail(record, onDisk: onDisk)
        }
        if Task.isCancelled { return }
        inbox.post(.rowDetails(details))
      }
    case .adopt(let ids):
      for id in ids { follower.follow(id, ifBusy: .skip, quietly: true) }
    case .loadComparison(let request):
      tasks.start { await self.loadComparison(request) }
    case .star(let id, let starred):
      tasks.start {
        do {
          guard let record = try await history.setStarred(id: id, starred) else {
            inbox.post(.notice("cannot star \(id): it is no longer in the history"))
            return
          }
          inbox.post(.recordUpdated(record))
        } catch {
          inbox.post(.notice("cannot star \(id): \(error)"))
        }
      }
    case .discardVideos(let ids):
      tasks.start { await self.discardVideos(ids) }
    case .loadPreviewSheet(let id, _, _, _, _), .playPreview(let id, _, _, _), .showPreviewFrame(let id, _, _, _),
      .loadThumbnails(let id, _, _), .loadSourceThumbnail(let id, _, _, _, _), .loadCompareSheet(let id, _, _, _, _):
      if let previews { return previews.perform(effect) }
      inbox.post(.previewUnavailable(id: id, reason: "previews are not available in this build"))
    case .stopPlayback, .stopPreviews:
      previews?.perform(effect)
    case .notify, .bell, .cycleTheme, .setTheme, .redraw, .quit:
      return false
    }
    return true
  }

  /// Opens `target` with `launcher`, whose `xdg-open` may not return until the viewer it starts
  /// exits: on a thread of its own. What it could not open, it reports; a video's URL then goes to
  /// the user's clipboard, and the notice says what came of that.
  private func open(_ target: Launcher.Target, with launcher: Launcher) async {
    guard let outcome = try? await DedicatedThread.run(named: "magi-open", { launcher.open(target) }) else { return }
    guard case .notOpened(let report) = outcome, let url = report.copyURL else {
      inbox.post(.notice(outcome.message))
      return
    }
    // Over ssh the URL goes to the user's clipboard; the notice (shown whole in the messages
    // view) says what came of it, with the path and the scp command.
    let note = await outer.copy(url: url)
    inbox.post(.notice(report.message(url: note)))
  }

  /// Saves `name` as the theme in config.toml (a read and a rename: file I/O, on a thread of its
  /// own) and says so.
  private func saveThemeAsDefault(_ name: String) async {
    let path = configFile
    let failure: String?
    do { failure = try await DedicatedThread.run(named: "magi-config") { Self.saveTheme(name, to: path) } } catch {
      return
    }
    inbox.post(.notice(failure.map { "cannot save the theme: \($0)" } ?? "saved theme = \"\(name)\" in \(path)"))
  }

  /// The failure in words, nil when saved. Typed errors are caught in a method rather than a
  /// closure: a typed `do throws` inside a closure was seen to miscompile in release builds (Swift 6.3.1).
  private static func saveTheme(_ name: String, to path: String) -> String? {
    do {
      try StudioConfig.saveTheme(name, path: path)
      return nil
    } catch {
      return error.description
    }
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
