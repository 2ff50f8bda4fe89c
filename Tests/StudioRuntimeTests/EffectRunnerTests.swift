import Dispatch
import FalProtocol
import Foundation
import HistoryStore
import StudioCore
import StudioRuntime
import StudioUI
import Synchronization
import TestSupport
import Testing

/// Effects in, actions out: each effect the runner performs against the in-process emulator, and
/// what it posts back.
@Suite struct EffectRunnerTests {
  let t2v = MagiEndpoint(mode: .textToVideo)

  @Test func aSubmitIsReportedSubmittedAndFollowedToItsVideo() async throws {
    let harness = try await RuntimeHarness.start()
    let (runner, probe) = try await harness.runner()
    #expect(
      runner.perform(
        .submit(MagiRequest(endpoint: t2v, prompt: "a lighthouse", seed: 1), source: nil, parentID: nil, webhook: nil)))
    let submitted = try #require(await probe.first { if case .submitted(let record) = $0 { record } else { nil } })
    #expect(submitted.requestID != nil)
    let done = try #require(await probe.update(of: submitted.id) { $0.localFile != nil })
    #expect(done.status == .completed)
    // The follow's log lines arrive as actions too: one path for everything a job reports.
    #expect(probe.actions.contains { if case .jobLogs(submitted.id, let lines) = $0 { !lines.isEmpty } else { false } })
    await runner.tasks.cancelAll()
    await harness.stop()
  }

  @Test func anInvalidRequestFailsWithItsFieldsAndNothingIsSent() async throws {
    let harness = try await RuntimeHarness.start()
    let (runner, probe) = try await harness.runner()
    runner.perform(
      .submit(MagiRequest(endpoint: t2v, prompt: "x", numFrames: 5000), source: nil, parentID: nil, webhook: nil))
    let fields = try #require(
      await probe.first { if case .submitFailed(.fields(let fields)) = $0 { fields } else { nil } })
    #expect(fields.contains { $0.description.contains("num_frames") })
    #expect(await harness.emulator.requestCounts()[.submit] == 0)
    await runner.tasks.cancelAll()
    await harness.stop()
  }

  @Test func aSourceThatCannotBeReadFailsWithItsReason() async throws {
    let harness = try await RuntimeHarness.start()
    let (runner, probe) = try await harness.runner()
    let source = MediaInput.file(path: harness.directory + "/missing.png", contentType: "image/png", inline: false)
    runner.perform(
      .submit(
        MagiRequest(endpoint: MagiEndpoint(mode: .imageToVideo), prompt: "x"), source: source, parentID: nil,
        webhook: nil))
    let message = try #require(
      await probe.first { if case .submitFailed(.message(let text)) = $0 { text } else { nil } })
    #expect(message.contains("missing.png"))
    await runner.tasks.cancelAll()
    await harness.stop()
  }

  @Test func aCancelIsRequestedAndTheJobEndsCancelled() async throws {
    // Slow enough that the job is still running when the cancel arrives.
    let harness = try await RuntimeHarness.start(workers: 1, step: .milliseconds(400))
    let (runner, probe) = try await harness.runner()
    runner.perform(.submit(MagiRequest(endpoint: t2v, prompt: "a slow fox"), source: nil, parentID: nil, webhook: nil))
    let submitted = try #require(await probe.first { if case .submitted(let record) = $0 { record } else { nil } })
    runner.perform(.cancel(submitted.id))
    #expect(await probe.notice(containing: "cancellation requested") != nil)
    let ended = try #require(await probe.update(of: submitted.id) { $0.status.isFinal })
    #expect(ended.status == .cancelled)
    await runner.tasks.cancelAll()
    await harness.stop()
  }

  @Test func aJobLeftByTheLastRunIsResumedOnceHoweverManyAskToFollowIt() async throws {
    let harness = try await RuntimeHarness.start(workers: 1, step: .milliseconds(20))
    let left = try await harness.leftUnfinished(MagiRequest(endpoint: t2v, prompt: "left running"))
    let (runner, probe) = try await harness.runner()
    // The history watcher's adopt and a resume both ask for the same job, as at a studio's start.
    runner.perform(.adopt([left.id]))
    runner.follower.resumeUnfinished()
    runner.follower.follow(left.id, ifBusy: .skip)
    #expect(runner.follower.isFollowing(left.id))
    #expect(await probe.notice(containing: "resuming 1 job(s)") != nil)
    let done = try #require(await probe.update(of: left.id) { $0.localFile != nil })
    #expect(done.status == .completed)
    // A second follow would have found the record locked and said so.
    #expect(!probe.notices.contains { $0.contains("followed by another process") })
    let lines = probe.actions.flatMap { action -> [LogEntry] in
      if case .jobLogs(left.id, let lines) = action { return lines }
      return []
    }
    #expect(!lines.isEmpty && Set(lines).count == lines.count)
    await runner.tasks.cancelAll()
    await harness.stop()
  }

  @Test func openingAFinishedVideoStartsTheViewerOffThePool() async throws {
    let harness = try await RuntimeHarness.start()
    let viewer = Recorder<[String]>()
    let release = DispatchSemaphore(value: 0)
    let xdgOpen = try FakeXdgOpen(in: harness.directory)
    let launcher = Launcher(
      environment: ["DISPLAY": ":0", "PATH": xdgOpen.directory], allowedDirectories: [harness.directory],
      spawn: { argv, _ in
        viewer.append(argv + [currentThreadName()])
        // Like an xdg-open that returns only when the viewer closes.
        release.wait()
        return nil
      })
    let (runner, probe) = try await harness.runner(launcher: launcher)
    runner.perform(.submit(MagiRequest(endpoint: t2v, prompt: "to open"), source: nil, parentID: nil, webhook: nil))
    let submitted = try #require(await probe.first { if case .submitted(let record) = $0 { record } else { nil } })
    let done = try #require(await probe.update(of: submitted.id) { $0.localFile != nil })

    runner.perform(.open(done.id))
    let argv = try #require(await viewer.first { _ in true })
    #expect(argv.dropFirst().first == Launcher.canonicalPath(try #require(done.localFile?.path)))
    #expect(argv.last == "magi-open")
    // The viewer is still open: quitting does not wait for it.
    await runner.tasks.cancelAll()
    #expect(runner.tasks.count == 0)
    release.signal()
    await harness.stop()
  }

  @Test func openReportsWhatItDid() async throws {
    let harness = try await RuntimeHarness.start(workers: 1, step: .milliseconds(400))
    let xdgOpen = try FakeXdgOpen(in: harness.directory)
    let launcher = Launcher(
      environment: ["DISPLAY": ":0", "PATH": xdgOpen.directory], allowedDirectories: [harness.directory],
      spawn: { _, _ in nil })
    let (runner, probe) = try await harness.runner(launcher: launcher)
    runner.perform(.open("no-such-record"))
    #expect(await probe.notice(containing: "nothing to open") != nil)
    runner.perform(.submit(MagiRequest(endpoint: t2v, prompt: "not yet"), source: nil, parentID: nil, webhook: nil))
    let submitted = try #require(await probe.first { if case .submitted(let record) = $0 { record } else { nil } })
    runner.perform(.open(submitted.id))
    #expect(await probe.notice(containing: "no video yet") != nil)
    await runner.tasks.cancelAll()
    await harness.stop()
  }

  @Test func overSSHTheVideosURLGoesToTheClipboardAndTheNoticeSaysSo() async throws {
    let harness = try await RuntimeHarness.start()
    let outer = FakeOuterTerminal()
    let launcher = Launcher(
      environment: ["SSH_CONNECTION": "10.0.0.1 22 10.0.0.2 22"], allowedDirectories: [harness.directory],
      spawn: { _, _ in "no display, nothing to spawn" })
    let (runner, probe) = try await harness.runner(launcher: launcher, outer: outer)
    runner.perform(.submit(MagiRequest(endpoint: t2v, prompt: "far away"), source: nil, parentID: nil, webhook: nil))
    let submitted = try #require(await probe.first { if case .submitted(let record) = $0 { record } else { nil } })
    let done = try #require(await probe.update(of: submitted.id) { $0.localFile != nil })
    runner.perform(.open(done.id))
    let notice = try #require(await probe.notice(containing: "asked your terminal to copy the URL"))
    #expect(notice.contains("over ssh") && notice.contains("scp"))
    #expect(outer.copies.items == [try #require(done.result?.videoURL)])
    runner.perform(.copyToClipboard("a prompt worth keeping"))
    #expect(await probe.notice(containing: "asked your terminal to copy a prompt worth keeping") != nil)
    await runner.tasks.cancelAll()
    await harness.stop()
  }

  @Test func aPathCompletionListsTheDirectoryAndAnswersWithItsPrefix() async throws {
    let harness = try await RuntimeHarness.start()
    let (runner, probe) = try await harness.runner()
    let directory = harness.directory
    _ = FileManager.default.createFile(atPath: directory + "/alpha.png", contents: Data())
    try FileManager.default.createDirectory(atPath: directory + "/alps", withIntermediateDirectories: true)
    runner.perform(.completePath(directory + "/al"))
    let paths = try #require(
      await probe.first { if case .pathCompletions(directory + "/al", let paths) = $0 { paths } else { nil } })
    #expect(paths == [directory + "/alpha.png", directory + "/alps/"])
    runner.perform(.completePath("~/al"))
    let home = try #require(
      await probe.first { if case .pathCompletions("~/al", let paths) = $0 { paths } else { nil } })
    #expect(home == ["~/alpha.png", "~/alps/"])
    await runner.tasks.cancelAll()
    await harness.stop()
  }

  @Test func theLoopsOwnEffectsAreLeftToIt() async throws {
    let harness = try await RuntimeHarness.start()
    let (runner, _) = try await harness.runner()
    for effect in [Effect.bell, .cycleTheme, .setTheme("light"), .redraw, .quit, .notify(title: "t", body: "b")] {
      #expect(!runner.perform(effect))
    }
    await harness.stop()
  }
}

/// An executable `xdg-open` on a PATH of its own: the launcher only spawns one it finds.
struct FakeXdgOpen {
  let directory: String

  init(in parent: String) throws {
    directory = parent + "/bin"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let path = directory + "/xdg-open"
    try writeScript("#!/bin/sh\nexit 0\n", to: path)
  }
}
