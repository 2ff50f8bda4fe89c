import DedicatedThreads
import FalProtocol
import Foundation
import HistoryStore
import StudioCore
import StudioRuntime
import StudioUI
import TestSupport
import Testing

/// The whole loop on a thread of its own over a fake terminal, as the studio runs it on its UI
/// thread: nothing here blocks a thread of the task pool.
@Suite struct StudioLoopTests {
  /// Runs a loop over `terminal` on a dedicated thread; its exit status lands in the recorder.
  static func start(
    _ terminal: FakeTerminal, runner: EffectRunner, ownsJobs: Bool = false,
    themes: ThemeLibrary = ThemeLibrary(directories: [])
  ) -> (exits: Recorder<Int32>, thread: Task<Void, Never>) {
    let exits = Recorder<Int32>()
    let thread = Task {
      _ = try? await DedicatedThread.run(named: "magi-ui-test") {
        var state = AppState(width: terminal.width, height: terminal.height, now: Date())
        state.themeName = ThemeLibrary.defaultName
        let loop = StudioLoop(
          terminal: terminal, runner: runner, themes: themes, state: state,
          backend: .init(online: false, label: "test twin"), ownsJobs: ownsJobs, environment: [:])
        exits.append(loop.run())
      }
    }
    return (exits, thread)
  }

  /// A runner whose inbox wakes the fake terminal, as the wake pipe wakes the real one.
  static func runner(
    _ harness: RuntimeHarness, terminal: FakeTerminal, outer: FakeOuterTerminal = FakeOuterTerminal()
  ) async throws -> EffectRunner {
    let inbox = Inbox(waker: terminal)
    let jobs = try await harness.generationRunner(posting: inbox)
    return EffectRunner(
      jobs: jobs, inbox: inbox, outer: outer,
      launcher: Launcher(environment: [:], allowedDirectories: [harness.directory], spawn: { _, _ in nil }),
      home: harness.directory, configFile: harness.directory + "/config.toml")
  }

  @Test func quittingCancelsEveryTaskAndWaitsForThemWhileTheJobCarriesOn() async throws {
    // A job far from done: sixteen steps of a second each.
    let harness = try await RuntimeHarness.start(workers: 1, step: .seconds(1))
    let left = try await harness.leftUnfinished(
      MagiRequest(endpoint: MagiEndpoint(mode: .textToVideo), prompt: "far off"))
    let terminal = FakeTerminal()
    let runner = try await Self.runner(harness, terminal: terminal)
    let (exits, thread) = Self.start(terminal, runner: runner, ownsJobs: true)
    // The notice comes once the follow has started.
    #expect(await terminal.frames.first { $0.contains("resuming 1 job(s)") } != nil)
    #expect(runner.follower.isFollowing(left.id))

    terminal.push(.terminated)
    let exit = await exits.first(within: .seconds(20)) { _ in true }
    #expect(exit == 0)
    #expect(terminal.isShutDown)
    #expect(runner.tasks.count == 0)
    #expect(!runner.follower.isFollowing(left.id))
    // Only the follow stopped: the job is still the server's, unfinished, and resumes next start.
    let stored = try #require(try await HistoryStore(directory: harness.directory).record(id: left.id))
    #expect(!stored.status.isFinal)
    // Nothing starts once the studio has quit.
    runner.perform(.completePath(harness.directory + "/"))
    #expect(runner.tasks.count == 0)
    thread.cancel()
    await harness.stop()
  }

  @Test func postedActionsReachTheScreenAndCtrlLRepaintsIt() async throws {
    let harness = try await RuntimeHarness.start()
    let terminal = FakeTerminal()
    let runner = try await Self.runner(harness, terminal: terminal)
    let (exits, thread) = Self.start(terminal, runner: runner)
    runner.inbox.post(.notice("hello from a task"))
    #expect(await terminal.frames.first { $0.contains("hello from a task") } != nil)
    terminal.push(.terminal(.key(.ctrl("l"))))
    #expect(await terminal.repaints.count(reaching: 1))
    // Ctrl-C as a signal quits at once when no job runs, with the shell's status for it.
    terminal.push(.interrupted)
    #expect(await exits.first(within: .seconds(20)) { _ in true } == 130)
    thread.cancel()
    await harness.stop()
  }

  @Test func aThemeCycleRedrawsInTheNextTheme() async throws {
    let harness = try await RuntimeHarness.start()
    let terminal = FakeTerminal()
    let runner = try await Self.runner(harness, terminal: terminal)
    // The repository's own theme files, dark first.
    let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("themes").path
    let (exits, thread) = Self.start(terminal, runner: runner, themes: ThemeLibrary(directories: [shipped]))
    #expect(await terminal.frames.count(reaching: 1))
    terminal.push(.terminal(.key(.function(5))))
    terminal.push(.terminated)
    #expect(await exits.first(within: .seconds(20)) { _ in true } == 0)
    #expect(terminal.theme?.name == "light")
    thread.cancel()
    await harness.stop()
  }
}
