import CursesTerminal
import FalClient
import FalProtocol
import Foundation
import HistoryStore
import StudioCore
import StudioRuntime
import StudioUI
import TerminalGraphics
import TerminalScreen
import VideoFrames

/// Start-up wiring of the full-screen studio: settings, theme, terminal, session, and the
/// runtime's loop (``StudioLoop``) over the ncurses terminal. Everything that happens after the
/// first frame lives in `StudioRuntime`.
enum StudioStartup {
  /// Sets everything up, runs the studio until the user quits, and restores the terminal.
  static func launch(
    connection: ConnectionOptions, store: StoreOptions, themeName: String?, mouse: Bool?, graphics: String?
  ) throws -> Int32 {
    let environment = ProcessInfo.processInfo.environment
    let paths = store.paths
    let loaded = StudioConfig.load(paths: paths)
    let config = loaded.config
    let library = ThemeLibrary.standard(paths: paths, executablePath: ThemeLibrary.currentExecutablePath())
    let requestedTheme = themeName ?? config.theme
    let (theme, themeMessage) = library.theme(orDefault: requestedTheme)

    let wake = try WakeSignal()
    let inbox = Inbox(waker: wake)
    // The history is indexed and the emulator started while the terminal is set up and the first
    // frame drawn (a 100,000-record history takes tens of milliseconds to index).
    let sessionPaths = paths
    let opening = StartedWork {
      // The studio never gives a job up for a lost connection: it retries until the server answers.
      // Its batches (the form's variations) wait out a 429 storm at submit as the CLI's do; nothing
      // waits on a submit (it runs beside the UI), so a single one may wait it out as well.
      let session = try await Session.open(
        connection, paths: sessionPaths, quiet: true, retryPolicy: .batch,
        followOptions: FollowOptions(giveUpAfter: nil),
        onEvent: JobFollower.events(into: inbox))
      return (
        session, await session.history.warnings.map { "history: \($0)" }, await session.history.bytesScannedAtOpen
      )
    }
    let graphicsName = graphics ?? config.graphics
    let pictures = pictureMode(graphicsName, environment: environment)
    let terminal: CursesTerminal
    do {
      // The terminal knows how many colours it has (terminfo, NO_COLOR, COLORTERM); the theme is
      // then reduced to that, so that monochrome keeps selections visible with reverse video.
      terminal = try CursesTerminal(
        theme: theme,
        options: .init(
          mouse: mouse ?? config.mouse, focusReports: true, bracketedPaste: true,
          pixelsThroughTmux: pictures.isPixelProtocol && !(environment["TMUX"] ?? "").isEmpty))
    } catch {
      if let (session, _, _) = try? opening.wait() { blockingClose(session) }
      throw CommandFailure(message: error.description, code: 1)
    }
    let size = terminal.size
    var state = AppState(width: size.width, height: size.height, now: Date())
    state.themeName = theme.name
    state.themeNames = library.names
    state.brokenThemes = library.failures
    state.settings.pricePerUnit = Dictionary(
      uniqueKeysWithValues: MagiModel.allCases.map { ($0, config.pricePerUnit(for: $0)) })
    state.settings.bellOnFinish = config.notifications.bell
    state.settings.notifyOnFinish = config.notifications.desktop
    Self.apply(config.defaults, to: &state.form)
    state.settings.defaultWebhook = config.webhook
    state.settings.budget = config.budget
    state.form.webhook.setText(config.webhook ?? "")

    // The first frame goes out before the history is ready: the studio is on screen at once and
    // fills in as it loads.
    state.backendLabel = "starting…"
    terminal.draw(StudioRenderer.render(state, width: state.width, height: state.height))
    let session: Session
    let historyWarnings: [String]
    let parsedAtOpen: Int64
    do {
      (session, historyWarnings, parsedAtOpen) = try opening.wait()
    } catch {
      terminal.shutdown()
      throw error
    }
    // One studio follows the jobs; a second one (another ssh session) watches without racing it.
    let ownsJobs = InstanceLock.acquire(in: paths.data)

    let screen = CursesStudioTerminal(terminal: terminal, wake: wake)
    // One tracker for every task of the runtime, previews' included: all are cancelled at quit.
    let tasks = TaskTracker()
    let runner = EffectRunner(
      jobs: session.jobs, inbox: inbox, tasks: tasks,
      outer: OuterTerminal(environment: Credentials.scrubbed(environment), write: screen.escapes.send),
      launcher: Launcher(environment: environment, allowedDirectories: session.paths.ownDirectories),
      home: environment["HOME"] ?? "", configFile: StudioConfig.path(in: session.paths), checkSource: checkedSource,
      previews: previews(
        graphicsName, mode: pictures, paths: paths, inbox: inbox, tasks: tasks, depth: terminal.colorDepth))
    // A large history opens faster next time from a saved index. Writing it holds the history for
    // a few tens of milliseconds at 100,000 records, so it waits until the first pages are shown;
    // and only when this open parsed megabytes (a timer at every start would be a wake-up for nothing).
    // A runtime task like the others: quitting first cancels it (the close saves the index anyway).
    if parsedAtOpen >= 1 << 20 {
      let history = session.history
      runner.tasks.start {
        do { try await Task.sleep(for: .seconds(2)) } catch { return }
        await history.saveIndexSnapshot()
      }
    }
    let backend = StudioLoop.Backend(
      online: !session.isOffline, label: session.isOffline ? "OFFLINE emulator" : backendLabel(session))
    let loop = StudioLoop(
      terminal: screen, runner: runner, themes: library, state: state,
      backend: backend, ownsJobs: ownsJobs, environment: environment)
    for message in loaded.errors.map(\.description) + library.messages + [themeMessage].compactMap({ $0 })
      + historyWarnings
    {
      inbox.post(.notice(message))
    }
    if !ownsJobs { inbox.post(.notice("another studio is following the jobs; this one shows them as they change")) }
    // Another process's records and updates (a `generate --wait` in a second shell, a second
    // studio) appear as they are written: inotify wakes a thread of the watcher's own, which posts
    // one action per batch of changes. No timer: while nothing writes, nothing wakes.
    let watcher = HistoryWatcher(directory: paths.data) { inbox.post(.historyChanged) }
    if watcher == nil { inbox.post(.notice("cannot watch the history for changes by other processes (inotify)")) }
    let code = loop.run()
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

  /// A local file is checked for what it really is before it is uploaded.
  @Sendable private static func checkedSource(_ source: MediaInput) throws -> MediaInput {
    guard case .file(let path, _, let inline) = source else { return source }
    let mode: MagiMode = MediaType.guess(fromFileName: path).hasPrefix("video/") ? .extendVideo : .imageToVideo
    return try SourceMedia.parse(path, mode: mode, inline: inline) ?? source
  }

  private static func backendLabel(_ session: Session) -> String {
    let queue = session.client.endpoints.queue
    return queue == FalEndpoints.production.queue
      ? "fal.ai" : queue.replacing("https://", with: "").replacing("http://", with: "")
  }

  /// The preview runner, unless graphics are off (`--graphics none` / `graphics = "none"`): then the
  /// details view says so instead of decoding. Pictures are block symbols through the screen model
  /// (every terminal, tmux included) unless `mode` is a pixel protocol.
  static func previews(
    _ graphics: String, mode: GraphicsMode, paths: StudioPaths, inbox: Inbox, tasks: TaskTracker, depth: ColorDepth
  ) -> PreviewRunner? {
    guard graphics.lowercased() != "none" else { return nil }
    let cache = PreviewCache(directory: URL(fileURLWithPath: paths.cache).appendingPathComponent("previews"))
    return PreviewRunner(
      source: StudioPreviewSource(frames: FrameSource(), cache: cache), inbox: inbox, tasks: tasks, depth: depth,
      mode: mode, cellSize: OutputTerminal.current()?.cellSize ?? PixelEncoder.defaultCellSize)
  }

  /// How the studio sends pictures: `--graphics` / config as forced, or detected (chafa's terminal
  /// database; inside tmux a pixel protocol only where its passthrough is allowed, which asks tmux:
  /// a child process, only when a pixel protocol was detected, before the UI starts).
  static func pictureMode(_ graphics: String, environment: [String: String]) -> GraphicsMode {
    GraphicsDetection.mode(choice: GraphicsChoice(graphics) ?? .auto, environment: environment) {
      Tmux(environment: environment)?.allowsPassthrough() ?? false
    }
  }
}
