#if canImport(Glibc)
import Glibc
#endif
import CursesTerminal
import FalClient
import FalProtocol
import Foundation
import HistoryStore
import StudioCore
import StudioUI
import Synchronization
import TerminalScreen

/// The studio's run loop: terminal events and posted results become actions, `update` turns them
/// into state and effects, effects run as tasks that post their results back.
///
/// Owns the terminal, so it lives on the UI thread and is not Sendable. The loop sleeps in `poll()`
/// on the terminal, a wake pipe and a signal pipe: nothing runs while nothing happens (a 1 s tick only
/// while a running job's elapsed time is on screen).
final class StudioApp {
  private let terminal: CursesTerminal
  private let loop: TerminalLoop
  private let inbox: Inbox
  private let session: Session
  private let themes: ThemeLibrary
  private let launcher: Launcher
  private let environment: [String: String]
  private var state: AppState
  private var lastGrid: ScreenGrid?
  private let follower: JobFollower
  private let historyQuery = Mutex<Task<Void, Never>?>(nil)
  private let ownsJobs: Bool
  /// The terminal the user looks at (directly, or beyond tmux): clipboard, notices, the bell.
  private let outer: OuterTerminal
  private let keyTrace: KeyLatencyTrace?

  private init(
    terminal: CursesTerminal, loop: TerminalLoop, inbox: Inbox, session: Session, themes: ThemeLibrary,
    state: AppState, ownsJobs: Bool
  ) {
    self.terminal = terminal
    self.loop = loop
    self.inbox = inbox
    self.session = session
    self.themes = themes
    self.state = state
    self.ownsJobs = ownsJobs
    environment = ProcessInfo.processInfo.environment
    follower = JobFollower(jobs: session.jobs, inbox: inbox)
    launcher = Launcher(environment: environment, allowedDirectories: session.paths.ownDirectories)
    outer = OuterTerminal(environment: Credentials.scrubbed(environment), write: loop.escapes.send)
    keyTrace = KeyLatencyTrace(environment: environment)
  }

  /// Sets everything up, runs the studio until the user quits, and restores the terminal.
  static func launch(connection: ConnectionOptions, store: StoreOptions, themeName: String?, mouse: Bool?) throws
    -> Int32
  {
    let environment = ProcessInfo.processInfo.environment
    var paths = store.paths
    let loaded = StudioConfig.load(paths: paths)
    let config = loaded.config
    if store.videosDir == nil, environment["MAGI_STUDIO_VIDEOS_DIR"] == nil, let videos = config.videosDirectory(home: environment["HOME"] ?? "/") {
      paths.videos = videos
    }
    let library = ThemeLibrary.standard(paths: paths, executablePath: ThemeLibrary.currentExecutablePath())
    let requestedTheme = themeName ?? config.theme
    let (theme, themeMessage) = library.theme(orDefault: requestedTheme)

    let wake = try WakeSignal()
    let inbox = Inbox(wake: wake)
    // The history is indexed and the emulator started while the terminal is set up and the first
    // frame drawn (a 100,000-record history takes tens of milliseconds to index).
    let forwarder = JobEventForwarder(inbox: inbox)
    let sessionPaths = paths
    let opening = StartedWork {
      // The studio never gives a job up for a lost connection: it retries until the server answers.
      let session = try await Session.open(
        connection, paths: sessionPaths, quiet: true, followOptions: FollowOptions(giveUpAfter: nil),
        onEvent: { forwarder.forward($0) })
      return (session, await session.history.warnings.map { "history: \($0)" }, await session.history.bytesScannedAtOpen)
    }
    let terminal: CursesTerminal
    do {
      // The terminal knows how many colours it has (terminfo, NO_COLOR, COLORTERM); the theme is
      // then reduced to that, so that monochrome keeps selections visible with reverse video.
      terminal = try CursesTerminal(
        theme: theme, options: .init(mouse: mouse ?? config.mouse, focusReports: true, bracketedPaste: true))
    } catch {
      if let (session, _, _) = try? opening.wait() { blockingClose(session) }
      throw CommandFailure(message: error.description, code: 1)
    }
    let size = terminal.size
    var state = AppState(width: size.width, height: size.height, now: Date())
    state.themeName = theme.name
    state.themeNames = library.names
    state.brokenThemes = library.failures
    state.settings.pricePerUnit = Dictionary(uniqueKeysWithValues: MagiModel.allCases.map { ($0, config.pricePerUnit(for: $0)) })
    state.settings.bellOnFinish = config.notifications.bell
    state.settings.notifyOnFinish = config.notifications.desktop
    Self.apply(config.defaults, to: &state.form)

    // The first frame goes out before the history is ready: the studio is on screen at once and
    // fills in as it loads.
    state.backendLabel = "starting…"
    terminal.draw(StudioView.render(state, width: state.width, height: state.height))
    let session: Session
    let historyWarnings: [String]
    let parsedAtOpen: Int64
    do {
      (session, historyWarnings, parsedAtOpen) = try opening.wait()
    } catch {
      terminal.shutdown()
      throw error
    }
    // A large history opens faster next time from a saved index. Writing it holds the history for
    // a few tens of milliseconds at 100,000 records, so it waits until the first pages are shown;
    // and only when this open parsed megabytes (a timer at every start would be a wake-up for nothing).
    if parsedAtOpen >= 1 << 20 {
      let history = session.history
      Task.detached(priority: .utility) {
        try? await Task.sleep(for: .seconds(2))
        await history.saveIndexSnapshot()
      }
    }
    // One studio follows the jobs; a second one (another ssh session) watches without racing it.
    let ownsJobs = InstanceLock.acquire(in: paths.data)

    let app = StudioApp(
      terminal: terminal, loop: TerminalLoop(terminal: terminal, wake: wake), inbox: inbox, session: session,
      themes: library, state: state, ownsJobs: ownsJobs)
    for message in loaded.errors.map(\.description) + library.messages + [themeMessage].compactMap({ $0 }) + historyWarnings {
      inbox.post(.notice(message))
    }
    if !ownsJobs { inbox.post(.notice("another studio is following the jobs; this one shows them as they change")) }
    // Another process's records and updates (a `generate --wait` in a second shell, a second
    // studio) appear as they are written: inotify wakes a thread of the watcher's own, which posts
    // one action per batch of changes. No timer: while nothing writes, nothing wakes.
    let watcher = HistoryWatcher(directory: paths.data) { inbox.post(.historyChanged) }
    if watcher == nil { inbox.post(.notice("cannot watch the history for changes by other processes (inotify)")) }
    let code = app.run()
    watcher?.stop()
    blockingClose(session)
    return code
  }

  /// The form starts from the user's defaults in config.toml (already checked against the schema).
  private static func apply(_ defaults: StudioConfig.FormDefaults, to form: inout FormState) {
    if let model = defaults.model { form.model = model }
    if let resolution = defaults.resolution { form.resolution = resolution }
    if let frames = defaults.numFrames { form.frames = String(frames) }
    if let steps = defaults.numInferenceSteps { form.steps = steps }
    if let aspect = defaults.aspectRatio { form.aspectRatio = aspect }
    if let safety = defaults.safetyChecker { form.safetyChecker = safety }
  }

  private static func blockingClose(_ session: Session) {
    _ = try? blocking {
      // Covers what this run appended, so that the next start parses none of it.
      await session.history.saveIndexSnapshot()
      await session.close()
    }
  }

  private func run() -> Int32 {
    dispatch(.backend(online: !session.isOffline, label: session.isOffline ? "OFFLINE emulator" : Self.backendLabel(session)))
    dispatch(.terminal(.resized(width: state.width, height: state.height)))
    dispatch(.launched)
    if ownsJobs { resumeUnfinished() }
    var exitCode: Int32 = 0
    while !state.quitting {
      render()
      for event in loop.next(timeout: state.wakeIn) {
        switch event {
        case .terminal(let terminalEvent):
          if case .key = terminalEvent { keyTrace?.keysRead() }
          dispatch(.terminal(terminalEvent))
        case .woken:
          for action in inbox.drain() { dispatch(action) }
        case .quitRequested(SIGINT):
          // Ctrl-C (the terminal keeps signals) asks first when jobs run, as Ctrl-Q does.
          dispatch(.interrupt)
          if state.quitting { exitCode = 130 }
        case .quitRequested:
          // SIGTERM, a closed ssh connection: leave cleanly; running jobs are in the history and
          // resume on the next start.
          state.quitting = true
        case .resumed:
          lastGrid = nil
        case .timeout:
          dispatch(.tick(Date()))
        }
        if state.quitting { break }
      }
    }
    terminal.shutdown()
    return exitCode
  }

  private func render() {
    let grid = StudioView.render(state, width: state.width, height: state.height)
    if grid != lastGrid {
      terminal.draw(grid)
      lastGrid = grid
    }
    keyTrace?.frameWritten()
  }

  private func dispatch(_ action: Action) {
    if case .tick = action {} else { state.now = Date() }
    for effect in Studio.update(&state, action) { perform(effect) }
  }

  // MARK: - Effects

  private func perform(_ effect: Effect) {
    let jobs = session.jobs
    let history = session.history
    let logs = jobs.logs
    let inbox = inbox
    let follower = follower
    switch effect {
    case .submit(let request, let source, let parentID):
      // A local file is checked for what it really is before anything is uploaded.
      let checked: MediaInput?
      do { checked = try source.map(Self.checkedSource) } catch {
        dispatch(.submitFailed(.message("\(error)")))
        return
      }
      Task { await follower.submit(request, source: checked, parentID: parentID) }
    case .cancel(let id):
      Task {
        do {
          let outcome = try await jobs.cancel(recordID: id)
          inbox.post(.notice(outcome == .requested ? "cancellation requested" : "too late: the job had already finished"))
        } catch {
          inbox.post(.notice("cannot cancel: \(error)"))
        }
      }
    case .loadHistory(let query):
      let debounce = query.text?.isEmpty == false
      let task = Task {
        if debounce {
          do { try await Task.sleep(for: .milliseconds(120)) } catch { return }
        }
        let page = await history.query(query)
        if Task.isCancelled { return }
        inbox.post(.historyPage(page, for: query))
      }
      historyQuery.withLock { previous in
        if debounce { previous?.cancel() }
        previous = task
      }
    case .loadRecord(let id):
      Task {
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
      Task {
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
      let outer = outer
      Task {
        guard let record = try? await history.record(id: id) else {
          inbox.post(.notice("nothing to open"))
          return
        }
        if record.localFile == nil, record.result == nil {
          inbox.post(.notice(record.status == .completed ? "the video is still being fetched; try again in a moment" : "\(record.status.rawValue): no video yet"))
          return
        }
        let outcome = launcher.open(.init(localPath: record.localFile?.path, url: record.result?.videoURL))
        guard case .notOpened(let report) = outcome, let url = report.copyURL else {
          inbox.post(.notice(outcome.message))
          return
        }
        // Over ssh the URL goes to the user's clipboard; the notice (shown whole in the messages
        // view) says what came of it, with the path and the scp command.
        let copied = await outer.copy(url)
        inbox.post(.notice(report.message(url: copied.note(aboutURL: url))))
      }
    case .copyToClipboard(let text):
      let outer = outer
      Task {
        let copied = await outer.copy(text)
        inbox.post(.notice(copied.describe(TextWidth.truncate(text, to: 60))))
      }
    case .notify(let title, let body):
      // A bell the settings ring anyway is not rung twice when tmux cannot pass the notice on.
      let (outer, ring) = (outer, !state.settings.bellOnFinish)
      Task { await outer.notify(title: title, body: body, ring: ring) }
    case .bell:
      outer.bell()
    case .completePath(let prefix):
      Task.detached {
        inbox.post(.pathCompletions(prefix: prefix, PathCompletion.candidates(for: prefix)))
      }
    case .cycleTheme:
      let next = themes.name(after: state.themeName)
      if let theme = themes.theme(named: next) {
        terminal.setTheme(theme)
        lastGrid = nil
        dispatch(.themeChanged(next))
      }
    case .setTheme(let name):
      if let theme = themes.theme(named: name) {
        terminal.setTheme(theme)
        lastGrid = nil
        dispatch(.themeChanged(name))
      } else {
        dispatch(.notice("no theme \(name)"))
      }
    case .openVideosFolder:
      // The launcher opens only what is inside the studio's directories; the videos directory is
      // one of them itself, so its parent is the one allowed here.
      let videos = Launcher.canonicalPath(session.paths.videos)
      let parent = videos.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
      let outcome = Launcher(environment: environment, allowedDirectories: [parent]).open(.init(localPath: videos))
      dispatch(.notice(outcome.message))
    case .redraw:
      // Ctrl-L: whatever else wrote over the screen goes; every cell is sent again.
      terminal.repaintAll()
    case .saveThemeAsDefault(let name):
      let path = StudioConfig.path(in: session.paths)
      Task.detached {
        do {
          try StudioConfig.saveTheme(name, path: path)
          inbox.post(.notice("saved theme = \"\(name)\" in \(path)"))
        } catch {
          inbox.post(.notice("cannot save the theme: \(error)"))
        }
      }
    case .loadRowDetails(let ids):
      Task {
        var details: [String: RowDetail] = [:]
        for id in ids {
          guard let record = try? await history.record(id: id) else { continue }
          let onDisk = record.localFile.map { FileManager.default.fileExists(atPath: $0.path) } ?? false
          details[id] = RowDetail(record, onDisk: onDisk)
        }
        inbox.post(.rowDetails(details))
      }
    case .adopt(let ids):
      for id in ids { follower.follow(id, ifBusy: .skip, quietly: true) }
    case .quit:
      state.quitting = true
    }
  }

  /// Resumed jobs go through the follower like new ones, so that no job is ever followed twice
  /// (two follows would report every log line twice).
  private func resumeUnfinished() {
    let jobs = session.jobs
    let inbox = inbox
    let follower = follower
    Task {
      let ids = await jobs.unfinishedRecordIDs()
      for id in ids { follower.follow(id, ifBusy: .skip) }
      if !ids.isEmpty { inbox.post(.notice("resuming \(ids.count) job(s) from the last run")) }
    }
  }

  /// A local file is checked for what it really is before it is uploaded.
  private static func checkedSource(_ source: MediaInput) throws -> MediaInput {
    guard case .file(let path, _, let inline) = source else { return source }
    let mode: MagiMode = MediaType.guess(fromFileName: path).hasPrefix("video/") ? .extendVideo : .imageToVideo
    return try SourceMedia.parse(path, mode: mode, inline: inline) ?? source
  }

  private static func backendLabel(_ session: Session) -> String {
    let queue = session.client.endpoints.queue
    return queue == FalEndpoints.production.queue ? "fal.ai" : queue.replacing("https://", with: "").replacing("http://", with: "")
  }
}

/// Follows jobs to their end in the background, once each; every change arrives as a posted action.
final class JobFollower: Sendable {
  private let jobs: JobCoordinator
  private let inbox: Inbox
  private let following = Mutex<Set<String>>([])

  init(jobs: JobCoordinator, inbox: Inbox) {
    self.jobs = jobs
    self.inbox = inbox
  }

  /// Submits, reports the outcome, and follows the new job. A method rather than a closure: a typed
  /// `do throws` inside a task's closure was seen to miscompile in release builds (Swift 6.3.1).
  func submit(_ request: MagiRequest, source: MediaInput?, parentID: String?) async {
    do {
      let record = try await jobs.submit(request, source: source, parentID: parentID)
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

  /// Follows `recordID` unless this studio already does. A resumed job that another process is
  /// following (`ifBusy: .skip`) is left to it: the history watcher shows its progress.
  /// `quietly`: a job adopted from the history (see ``Effect/adopt(_:)``) that another process
  /// follows, or that was sent to another server, is passed over without a notice.
  func follow(_ recordID: String, ifBusy: RecordLock.Busy = .wait, quietly: Bool = false) {
    guard following.withLock({ $0.insert(recordID).inserted }) else { return }
    Task {
      do { try await jobs.follow(recordID: recordID, ifBusy: ifBusy) } catch {
        switch error {
        case StudioError.busy where quietly, StudioError.notResumable where quietly:
          break
        case StudioError.busy:
          inbox.post(.notice("\(recordID.suffix(6)): followed by another process; its progress shows here"))
        default:
          inbox.post(.notice("\(recordID.suffix(6)): \(error)"))
        }
      }
      following.withLock { _ = $0.remove(recordID) }
    }
  }
}

/// Where tasks leave their results for the UI thread, which a wake-up tells to look.
final class Inbox: Sendable {
  private let items = Mutex<[Action]>([])
  private let wake: WakeSignal

  init(wake: WakeSignal) {
    self.wake = wake
  }

  func post(_ action: Action) {
    add(action)
  }

  /// Wakes the UI thread only for the first item it has not taken yet: a job's status and its log
  /// lines, posted one after the other, then cost one wake-up, not two. Safe because the loop
  /// empties the wake pipe before it drains: an item added after the drain finds the list empty
  /// and wakes it again.
  private func add(_ item: Action) {
    let wasEmpty = items.withLock { items in
      defer { items.append(item) }
      return items.isEmpty
    }
    if wasEmpty { wake.wake() }
  }

  func drain() -> [Action] {
    items.withLock { items in
      defer { items.removeAll(keepingCapacity: true) }
      return items
    }
  }
}

/// Turns the job coordinator's events into UI actions.
final class JobEventForwarder: Sendable {
  let inbox: Inbox

  init(inbox: Inbox) {
    self.inbox = inbox
  }

  func forward(_ event: JobEvent) {
    switch event {
    case .updated(let record): inbox.post(.jobUpdated(record))
    case .logs(let id, let entries): inbox.post(.jobLogs(id, entries))
    case .uploadProgress(let id, let progress): inbox.post(.transfer(recordID: id ?? "", progress))
    case .downloadProgress(let id, let progress): inbox.post(.transfer(recordID: id, progress))
    case .connection(let id, let trouble): inbox.post(.jobConnection(id, trouble))
    case .warning(_, let text): inbox.post(.notice(text))
    }
  }
}

/// Completes a typed path against the file system: what Tab in the source field offers.
enum PathCompletion {
  static func candidates(for prefix: String, limit: Int = 200) -> [String] {
    let expanded = prefix.hasPrefix("~/") ? (ProcessInfo.processInfo.environment["HOME"] ?? "") + prefix.dropFirst(1) : prefix
    let directory: String
    let stem: String
    if let slash = expanded.lastIndex(of: "/") {
      directory = String(expanded[...slash])
      stem = String(expanded[expanded.index(after: slash)...])
    } else {
      directory = "./"
      stem = expanded
    }
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
    let shown = prefix.hasPrefix("~/") ? "~/" + directory.dropFirst((ProcessInfo.processInfo.environment["HOME"] ?? "").count + 1) : (directory == "./" && !expanded.hasPrefix("./") ? "" : directory)
    return names.filter { $0.hasPrefix(stem) && (stem.hasPrefix(".") || !$0.hasPrefix(".")) }.sorted().prefix(limit).map { name in
      var isDirectory: ObjCBool = false
      _ = FileManager.default.fileExists(atPath: directory + name, isDirectory: &isDirectory)
      return shown + name + (isDirectory.boolValue ? "/" : "")
    }
  }
}

/// At most one studio per data directory follows jobs; the lock goes with the process.
enum InstanceLock {
  static func acquire(in directory: String) -> Bool {
    let fd = open(directory + "/studio.lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
    guard fd >= 0 else { return true }
    // Kept open (and locked) for the life of the process on purpose.
    return flock(fd, LOCK_EX | LOCK_NB) == 0
  }
}
