import Foundation
import StudioCore
import StudioUI
import TerminalScreen

/// The studio's run loop: terminal events and posted results become actions, `update` turns them
/// into state and effects, and effects run as tracked tasks that post their results back.
///
/// Owns the terminal, so it lives on the UI thread (a thread of its own, outside the task pool) and
/// is not Sendable. It sleeps in the terminal's ``StudioTerminal/next(timeout:)``: nothing runs
/// while nothing happens (a timer only while something on screen changes by itself). When the
/// user quits, every task the runtime started is cancelled and awaited before ``run()`` returns.
public final class StudioLoop {
  /// Where the studio is connected, for the status bar.
  public struct Backend: Sendable, Hashable {
    public var online: Bool
    public var label: String

    public init(online: Bool, label: String) {
      self.online = online
      self.label = label
    }
  }

  private let terminal: any StudioTerminal
  private let runner: EffectRunner
  private let themes: ThemeLibrary
  private let backend: Backend
  private let ownsJobs: Bool
  private let keyTrace: KeyLatencyTrace?
  private var state: AppState
  private var lastGrid: ScreenGrid?

  /// - Parameters:
  ///   - ownsJobs: this studio holds the ``InstanceLock``: it resumes the last run's jobs.
  ///   - environment: the process's, for `MAGI_STUDIO_KEY_TRACE` (see ``KeyLatencyTrace``).
  public init(
    terminal: any StudioTerminal, runner: EffectRunner, themes: ThemeLibrary, state: AppState, backend: Backend,
    ownsJobs: Bool, environment: [String: String]
  ) {
    self.terminal = terminal
    self.runner = runner
    self.themes = themes
    self.state = state
    self.backend = backend
    self.ownsJobs = ownsJobs
    keyTrace = KeyLatencyTrace(environment: environment)
  }

  /// Runs until the user quits; then restores the terminal, cancels every task the runtime started
  /// and waits for them. Returns the exit status (130 after Ctrl-C).
  public func run() -> Int32 {
    dispatch(.backend(online: backend.online, label: backend.label))
    dispatch(.terminal(.resized(width: state.width, height: state.height)))
    dispatch(.launched)
    if ownsJobs { runner.follower.resumeUnfinished() }
    var exitCode: Int32 = 0
    while !state.quitting {
      render()
      for event in terminal.next(timeout: state.wakeIn) {
        switch event {
        case .terminal(let terminalEvent):
          if case .key = terminalEvent { keyTrace?.keysRead() }
          dispatch(.terminal(terminalEvent))
        case .woken:
          for action in runner.inbox.drain() { dispatch(action) }
        case .interrupted:
          dispatch(.interrupt)
          if state.quitting { exitCode = 130 }
        case .terminated:
          state.quitting = true
        case .repainted:
          lastGrid = nil
        case .timeout:
          dispatch(.tick(Date()))
        }
        if state.quitting { break }
      }
    }
    terminal.shutdown()
    runner.tasks.cancelAllAndWait()
    return exitCode
  }

  private func render() {
    let grid = StudioRenderer.render(state, width: state.width, height: state.height)
    if grid != lastGrid {
      terminal.draw(grid)
      lastGrid = grid
    }
    keyTrace?.frameWritten()
  }

  private func dispatch(_ action: Action) {
    if case .tick = action {} else { state.now = Date() }
    for effect in StudioReducer.update(&state, action) { perform(effect) }
  }

  /// The effects that need the terminal or the state; the rest go to the runner.
  private func perform(_ effect: Effect) {
    switch effect {
    case .notify(let title, let body):
      // A bell the settings ring anyway is not rung twice when tmux cannot pass the notice on.
      let (outer, ring) = (runner.outer, !state.settings.bellOnFinish)
      runner.tasks.start { await outer.notify(title: title, body: body, ring: ring) }
    case .bell:
      runner.outer.bell()
    case .cycleTheme:
      show(theme: themes.name(after: state.themeName))
    case .setTheme(let name):
      if themes.theme(named: name) == nil {
        dispatch(.notice("no theme \(name)"))
      } else {
        show(theme: name)
      }
    case .redraw:
      // Ctrl-L: whatever else wrote over the screen goes; every cell is sent again.
      terminal.repaintAll()
    case .quit:
      state.quitting = true
    case .submit, .submitBatch, .loadSpentToday, .cancel, .loadHistory, .loadRecord, .delete, .open, .completePath,
      .adopt, .copyToClipboard,
      .openVideosFolder, .saveThemeAsDefault, .loadRowDetails, .loadPreviewSheet, .playPreview, .showPreviewFrame,
      .loadThumbnails, .loadSourceThumbnail, .stopPlayback, .stopPreviews, .loadComparison, .loadCompareSheet, .star,
      .discardVideos:
      runner.perform(effect)
    }
  }

  private func show(theme name: String) {
    guard let theme = themes.theme(named: name) else { return }
    terminal.setTheme(theme)
    lastGrid = nil
    dispatch(.themeChanged(name))
  }
}
