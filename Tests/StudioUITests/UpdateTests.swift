import FalProtocol
import HistoryModel
import TerminalScreen
import Testing

@testable import StudioUI

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Given a state and an action, the exact effects (and the state changes that matter).
@Suite struct UpdateTests {
  func send(_ state: inout AppState, _ actions: Action...) -> [Effect] {
    actions.flatMap { StudioReducer.update(&state, $0) }
  }

  func press(_ state: inout AppState, _ keys: Key...) -> [Effect] {
    keys.flatMap { StudioReducer.update(&state, .terminal(.key($0))) }
  }

  // MARK: - Form

  @Test func launchAsksForTheFirstHistoryPage() {
    var state = AppState(now: Fixtures.now)
    #expect(send(&state, .launched) == [.loadHistory(HistoryQuery(offset: 0, limit: 50))])
  }

  @Test func underRangeDigitsAreClampedWithAMessageOnLeavingTheField() {
    var state = Given.form(.frames)
    _ = press(&state, .enter, .character("9"))
    #expect(state.form.frames == "9")
    #expect(state.form.message(for: .frames) == "Input should be greater than or equal to 96")
    _ = press(&state, .down)
    #expect(state.form.frames == "96")
    #expect(state.notice == Notice("num_frames must be 96–192: set to 96", kind: .warning))
    #expect(state.form.message(for: .frames) == nil)
  }

  @Test func stepsCycleWithinTheModelsAllowedValues() {
    var state = Given.form(.steps)
    _ = press(&state, .right, .right)
    #expect(state.form.steps == 4)  // 16 → 32 → wraps to 4 on the distilled model
    state.form.focus = .model
    state.form.steps = 64
    _ = press(&state, .right)
    #expect(state.form.model == .full)
  }

  @Test func submitWithInvalidFieldsMarksThemAndSendsNothing() {
    var state = Given.form(.mode) { $0.mode = .imageToVideo }
    #expect(press(&state, .ctrl("s")) == [])
    #expect(state.form.showAllErrors)
    #expect(state.form.focus == .prompt)
    #expect(state.form.message(for: .prompt) == "Write a prompt")
    #expect(state.form.message(for: .source) == "Give an image: a local path or a URL")
    #expect(state.notice?.kind == .error)
  }

  @Test func badURLSchemeIsReportedByTheSchemasOwnValidator() {
    var state = Given.form(.mode) {
      $0.mode = .imageToVideo
      $0.prompt.setText("a cat")
      $0.source.setText("ftp://example.com/cat.png")
    }
    _ = press(&state, .ctrl("s"))
    #expect(state.form.message(for: .source) == "Input should be a valid URL with scheme 'http', 'https' or 'data'")
  }

  @Test func submitSendsTheRequestWithALocalSourceAndKeepsTheValues() {
    var state = Given.form(.mode) {
      $0.mode = .imageToVideo
      $0.prompt.setText("a cat")
      $0.source.setText("/tmp/cat.jpg")
      $0.seed = "42"
    }
    let effects = press(&state, .ctrl("s"))
    let request = MagiRequest(
      endpoint: MagiEndpoint(mode: .imageToVideo), prompt: "a cat", numFrames: 96, seed: 42, resolution: "720p",
      numInferenceSteps: 16, enableSafetyChecker: true, aspectRatio: "auto")
    #expect(
      effects == [
        .submit(
          request, source: .file(path: "/tmp/cat.jpg", contentType: "image/jpeg", inline: false), parentID: nil,
          webhook: nil)
      ])
    #expect(press(&state, .ctrl("s")) == [])  // a double press does not pay twice
    _ = send(&state, .submitted(Fixtures.record("new", .queued)))
    #expect(state.form.prompt.text == "a cat")
    #expect(state.form.seed == "42")
    #expect(!state.form.submitting)
    #expect(state.queue.selectedID == "new")
  }

  @Test func serverErrorsLandOnTheFieldsTheyNameAndClearWhenChanged() {
    var state = Given.form(.mode) {
      $0.mode = .imageToVideo
      $0.prompt.setText("a cat")
      $0.source.setText("https://example.com/cat.png")
    }
    _ = send(
      &state,
      .submitFailed(
        .fields([
          FieldError(loc: ["body", "image_url"], msg: "Could not download", type: "value_error"),
          FieldError(loc: ["body", "seed"], msg: "Input should be a valid integer", type: "int_parsing"),
          FieldError(loc: ["body"], msg: "Bad body", type: "model_attributes_type"),
        ])))
    #expect(state.form.serverErrors == [.source: "Could not download", .seed: "Input should be a valid integer"])
    #expect(state.form.generalError == "body: Bad body")
    #expect(state.form.focus == .source)
    _ = press(&state, .character("i"), .backspace)
    #expect(state.form.serverErrors[.source] == nil)
    #expect(state.form.serverErrors[.seed] != nil)
  }

  @Test func submitFailureMessageIsShown() {
    var state = Given.form(.mode)
    state.form.submitting = true
    _ = send(&state, .submitFailed(.message("HTTP 503 from the queue")))
    #expect(!state.form.submitting)
    #expect(state.form.generalError == "HTTP 503 from the queue")
  }

  /// A lost reply is an unknown outcome, not a failure: said so, in words that fit 80 columns.
  @Test func aLostSubmitReplyIsNotCalledAFailure() {
    var state = Given.form(.mode)
    state.form.submitting = true
    _ = send(&state, .submitFailed(.outcomeUnknown(recordID: "01a24230637c7e5cc001f87c")))
    #expect(!state.form.submitting)
    let notice = state.notice?.text ?? ""
    #expect(!notice.contains("failed"), "\(notice)")
    #expect(notice.contains("reply was lost"))
    #expect(notice.count <= 79)
    #expect(state.form.generalError?.contains("not sent again") == true)
    #expect((state.form.generalError?.count ?? 0) <= 34, "fits the form at 80 columns")
  }

  @Test func tabInTheSourceFieldCompletesAPathThenMovesOn() {
    var state = Given.form(.source) {
      $0.mode = .imageToVideo
      $0.editing = true
      $0.source.setText("~/Pic")
    }
    #expect(press(&state, .tab) == [.completePath("~/Pic")])
    _ = send(&state, .pathCompletions(prefix: "~/Pic", ["~/Pictures/cat.png", "~/Pictures/cow.png"]))
    #expect(state.form.source.text == "~/Pictures/c")
    #expect(state.form.completions == ["~/Pictures/cat.png", "~/Pictures/cow.png"])
    _ = press(&state, .character("a"))
    #expect(press(&state, .tab) == [.completePath("~/Pictures/ca")])
    _ = send(&state, .pathCompletions(prefix: "~/Pictures/ca", ["~/Pictures/cat.png"]))
    #expect(state.form.source.text == "~/Pictures/cat.png")
    #expect(press(&state, .tab) == [])
    #expect(state.focus == .queue)
  }

  @Test func staleCompletionsAreIgnored() {
    var state = Given.form(.source) {
      $0.mode = .imageToVideo
      $0.editing = true
      $0.source.setText("/tm")
    }
    _ = send(&state, .pathCompletions(prefix: "/t", ["/tmp/"]))
    #expect(state.form.source.text == "/tm")
  }

  @Test func viKeysTypeWhileEditingAndMoveWhenNot() {
    var state = Fixtures.studio()
    _ = press(&state, .enter, .character("j"), .character("k"), .character("q"))
    #expect(state.form.prompt.text == "jkq")
    #expect(!state.quitting)
    _ = press(&state, .escape, .character("j"))
    #expect(state.form.focus == .frames)
    #expect(state.form.prompt.text == "jkq")
  }

  @Test func pasteIntoAFocusedPromptStartsEditing() {
    var state = Given.form(.prompt)
    _ = press(&state, .paste("line one\nline two"))
    #expect(state.form.editing)
    #expect(state.form.prompt.text == "line one\nline two")
  }

  @Test func estimateFollowsFramesStepsResolutionAndPrice() {
    var form = FormState()
    form.frames = "192"
    form.steps = 32
    form.resolution = "480p"
    let estimate = form.estimate(pricePerUnit: 0.08)
    #expect(estimate.units == 8)
    #expect(abs(estimate.price - 0.64) < 1e-9)
  }

  // MARK: - Queue

  @Test func finishingJobRingsNotifiesAndRefreshesHistory() {
    var state = Fixtures.studio()
    _ = send(&state, .jobUpdated(Fixtures.record("j1", .running, runningSecondsAgo: 10)))
    #expect(state.needsTick)
    let effects = send(&state, .jobUpdated(Fixtures.record("j1", .completed, finishedSecondsAgo: 1)))
    #expect(
      effects == [
        .bell, .notify(title: "MAGI Studio: job completed", body: "a red fox running through snow"),
        .loadHistory(HistoryQuery(offset: 0, limit: 50)),
      ])
    #expect(!state.needsTick)
  }

  @Test func notificationsAreConfigurable() {
    var state = Fixtures.studio()
    state.settings.bellOnFinish = false
    state.settings.notifyOnlyWhenUnfocused = true
    _ = send(&state, .jobUpdated(Fixtures.record("j1", .running)))
    #expect(
      send(&state, .jobUpdated(Fixtures.record("j1", .failed))) == [.loadHistory(HistoryQuery(offset: 0, limit: 50))])
    _ = send(&state, .terminal(.focus(false)), .jobUpdated(Fixtures.record("j2", .running)))
    #expect(
      send(&state, .jobUpdated(Fixtures.record("j2", .failed))).contains(
        .notify(title: "MAGI Studio: job failed", body: "a red fox running through snow")))
  }

  @Test func resumedFinishedJobsDoNotNotify() {
    var state = Fixtures.studio()
    #expect(send(&state, .jobUpdated(Fixtures.record("old", .completed))) == [])
  }

  @Test func tickOnlyWhileAVisibleJobRuns() {
    var state = Fixtures.studio()
    #expect(!state.needsTick)
    _ = send(&state, .jobUpdated(Fixtures.record("j1", .queued, position: 0)))
    #expect(state.needsTick)
    _ = send(&state, .terminal(.resized(width: 40, height: 10)))
    #expect(!state.needsTick)  // nothing visible to move
    _ = send(&state, .terminal(.resized(width: 80, height: 24)), .terminal(.key(.function(1))))
    #expect(!state.needsTick)  // help covers the queue
    _ = send(&state, .terminal(.key(.escape)))
    #expect(state.needsTick)
    _ = send(&state, .terminal(.resized(width: 80, height: 24)), .tick(Fixtures.now.addingTimeInterval(5)))
    #expect(state.now == Fixtures.now.addingTimeInterval(5))
    #expect(QueueView.elapsed(state.queue.jobs[0], now: state.now) == 305)
  }

  @Test func logsAreBoundedPerJob() {
    var state = Fixtures.studio()
    state.settings.logLimit = 3
    _ = send(&state, .jobUpdated(Fixtures.record("j1", .running)))
    _ = send(&state, .jobLogs("j1", (0..<5).map { Fixtures.log("line \($0)", second: $0) }))
    #expect(state.queue.logs["j1"]?.entries.map(\.message) == ["line 2", "line 3", "line 4"])
  }

  @Test func cancelAsksFirstAndOnlyYesCancels() {
    var state = Given.queue()
    #expect(press(&state, .character("c"), .character("n")) == [])
    #expect(state.dialog == nil)
    #expect(press(&state, .character("c"), .character("y")) == [.cancel("j-run")])
    state.queue.selectedID = "j-done"
    #expect(press(&state, .character("c")) == [])
    #expect(state.dialog == nil)
    #expect(state.notice == Notice("j-done is already completed"))
  }

  @Test func quitWithRunningJobsAsks() {
    var state = Given.queue()
    #expect(press(&state, .character("q")) == [])
    #expect(state.dialog?.purpose == .quit)
    #expect(press(&state, .character("y")) == [.quit])
  }

  @Test func dialogSwallowsOtherKeys() {
    var state = Given.deleteDialog()
    #expect(press(&state, .character("j"), .tab, .ctrl("s")) == [])
    #expect(state.dialog != nil)
    #expect(state.focus == .history)
  }

  // MARK: - History

  @Test func scrollingNearTheEndFetchesTheNextPageAndTheWindowStaysBounded() {
    var state = Given.history(total: 1000, selected: 0)
    var effects: [Effect] = []
    for _ in 0..<40 { effects += press(&state, .character("j")) }
    #expect(effects == [.loadHistory(HistoryQuery(offset: 50, limit: 50))])
    var offset = 50
    while state.history.selected < 400 {
      if let query = state.history.loading {
        _ = send(
          &state,
          .historyPage(
            HistoryPage(
              summaries: Fixtures.summaries(query.limit, from: query.offset), totalMatches: 1000, offset: query.offset,
              limit: query.limit), for: query))
        offset = query.offset
      }
      _ = press(&state, .pageDown)
      #expect(state.history.items.count <= HistoryState.windowLimit)
    }
    #expect(offset > 300)
    #expect(state.history.windowStart > 0)
    #expect(state.history.selectedSummary?.id == "h\(state.history.selected)" || state.history.loading != nil)
  }

  @Test func scrollingBackUpFetchesTheEarlierPageThatJoinsTheWindow() {
    var state = Given.history(total: 1000, selected: 0)
    state.history.items = Fixtures.summaries(50, from: 500)
    state.history.windowStart = 500
    state.history.selected = 510
    let effects = press(&state, .character("k"))
    #expect(effects == [.loadHistory(HistoryQuery(offset: 450, limit: 50))])
    _ = send(
      &state,
      .historyPage(
        HistoryPage(summaries: Fixtures.summaries(50, from: 450), totalMatches: 1000, offset: 450, limit: 50),
        for: HistoryQuery(offset: 450, limit: 50)))
    #expect(state.history.windowStart == 450)
    #expect(state.history.items.count == 100)
    #expect(state.history.items.first?.id == "h450")
  }

  @Test func aJobsHistoryRowFollowsItsStatusWithoutWaitingForAReload() {
    var state = Given.history(total: 3)
    var summaries = Fixtures.summaries(3)
    summaries[1].status = .queued
    state.history.items = summaries
    _ = send(&state, .jobUpdated(Fixtures.record("h1", .running, runningSecondsAgo: 5)))
    #expect(state.history.items[1].status == .running)
    #expect(state.history.items[0].status == summaries[0].status, "other rows are left alone")
  }

  @Test func aChangedHistoryFileReloadsTheWindowOnceAtATime() {
    var state = Given.history(total: 1000, selected: 120)
    state.history.items = Fixtures.summaries(50, from: 100)
    state.history.windowStart = 100
    // Another process wrote: the rows on screen are asked for again, with the same window.
    #expect(send(&state, .historyChanged) == [.loadHistory(HistoryQuery(offset: 100, limit: 50))])
    // More writes while that query is out: nothing more now…
    #expect(send(&state, .historyChanged, .historyChanged).isEmpty)
    // …and once more when its answer comes, since it may predate them.
    let page = HistoryPage(summaries: Fixtures.summaries(50, from: 100), totalMatches: 1001, offset: 100, limit: 50)
    // The rows' details (resolution, frames, cost, on disk) are asked for once per change of a row.
    #expect(
      send(&state, .historyPage(page, for: HistoryQuery(offset: 100, limit: 50)))
        == [.loadHistory(HistoryQuery(offset: 100, limit: 50)), .loadRowDetails(page.summaries.map(\.id))])
    #expect(state.history.total == 1001)
    #expect(send(&state, .historyPage(page, for: HistoryQuery(offset: 100, limit: 50))).isEmpty)
  }

  /// Seen in use: another shell's `generate` (no `--wait`) stayed "queued" in the studio for good,
  /// since no process followed it. A page with unfinished jobs this studio does not follow asks
  /// to adopt them; one still being submitted is left to the process submitting it.
  @Test func unfinishedJobsNobodyHereFollowsAreAdoptedFromAHistoryPage() {
    var state = Given.history(total: 4)
    var summaries = Fixtures.summaries(4)
    summaries[0].status = .queued
    summaries[1].status = .running
    summaries[2].status = .submitting
    _ = send(&state, .jobUpdated(Fixtures.record("h1", .running, runningSecondsAgo: 5)))
    let query = HistoryQuery(offset: 0, limit: 50)
    state.history.loading = query
    let effects = send(
      &state, .historyPage(HistoryPage(summaries: summaries, totalMatches: 4, offset: 0, limit: 50), for: query))
    #expect(
      effects == [.adopt(["h0"]), .loadRowDetails(["h0", "h1", "h2"])],
      "h1 is followed here already, h2 is being submitted, h3 is done (and the rows whose state changed are read again)"
    )
  }

  @Test func filterIsSentAsYouTypeAndStalePagesAreDropped() {
    var state = Given.history()
    var effects = press(&state, .character("/"), .character("f"), .character("o"))
    #expect(
      effects == [
        .loadHistory(HistoryQuery(text: "f", offset: 0, limit: 50)),
        .loadHistory(HistoryQuery(text: "fo", offset: 0, limit: 50)),
      ])
    let stale = HistoryPage(summaries: Fixtures.summaries(9), totalMatches: 9, offset: 0, limit: 50)
    effects = send(&state, .historyPage(stale, for: HistoryQuery(text: "f", offset: 0, limit: 50)))
    #expect(state.history.total == 3)
    let fresh = HistoryPage(summaries: Fixtures.summaries(2), totalMatches: 2, offset: 0, limit: 50)
    _ = send(&state, .historyPage(fresh, for: HistoryQuery(text: "fo", offset: 0, limit: 50)))
    #expect(state.history.total == 2)
    _ = press(&state, .enter)
    #expect(!state.history.filterEditing)
    #expect(state.history.filter.text == "fo")
    #expect(press(&state, .character("/"), .escape) == [.loadHistory(HistoryQuery(offset: 0, limit: 50))])
    #expect(state.history.filter.isEmpty)
  }

  @Test func detailShowsTheLoadedRecordAndIgnoresOthers() {
    var state = Given.history()
    _ = press(&state, .enter)
    _ = send(&state, .recordLoaded(Fixtures.record("other", .completed)))
    #expect(state.overlay == .detail(id: "h0", record: nil, scroll: 0))
    _ = send(&state, .recordLoaded(Given.finished))
    #expect(state.overlay == .detail(id: "h0", record: Given.finished, scroll: 0))
    #expect(state.pendingRecord == nil)
  }

  @Test func rerunSubmitsTheRecordedRequestAsIs() {
    var state = Given.history()
    #expect(press(&state, .character("r")) == [.loadRecord("h0")])
    var record = Fixtures.record(
      "h0", .completed, mode: .imageToVideo, seed: 99, url: "https://x/v.mp4", parentID: "p1")
    record.input = ["prompt": "a cat", "image_url": "https://x/in.png", "seed": 5, "num_frames": 120]
    // It costs money: it asks first, with the price of 120 frames at 720p (5 units at $0.08).
    #expect(send(&state, .recordLoaded(record)) == [])
    #expect(state.dialog?.message.contains("5.0 units ≈ $0.40") == true, "\(String(describing: state.dialog))")
    #expect(
      press(&state, .character("y")) == [
        .submit(
          MagiRequest(
            endpoint: MagiEndpoint(mode: .imageToVideo), prompt: "a red fox running through snow",
            sourceURL: "https://x/in.png", numFrames: 120, seed: 5),
          source: nil, parentID: "p1", webhook: nil)
      ])
    #expect(state.dialog == nil)
  }

  @Test func rerunAnsweredNoSendsNothing() {
    var state = Given.detail()
    #expect(press(&state, .character("r"), .character("n")) == [])
    #expect(state.dialog == nil)
  }

  @Test func extendUsesTheURLWhileFresh() {
    var state = Given.history()
    _ = press(&state, .character("x"))
    _ = send(&state, .recordLoaded(Given.finished))
    #expect(state.form.mode == .extendVideo)
    #expect(state.form.source.text == "https://v3.fal.media/files/h0.mp4")
    #expect(state.form.parentID == "h0")
    #expect(state.focus == .form)
    let effects = press(&state, .ctrl("s"))
    guard case .submit(let request, let source, let parent, _)? = effects.first else {
      Issue.record("no submit: \(effects)")
      return
    }
    #expect(request.endpoint == MagiEndpoint(mode: .extendVideo))
    #expect(source == .url("https://v3.fal.media/files/h0.mp4"))
    #expect(parent == "h0")
  }

  @Test func extendUsesTheLocalCopyOnceTheLinkHasExpiredOrIsAbsent() {
    var state = Given.history()
    state.now = Fixtures.now.addingTimeInterval(8 * 86_400)
    _ = press(&state, .character("x"))
    _ = send(&state, .recordLoaded(Given.finished))
    #expect(state.form.source.text == "/videos/h0.mp4")
    #expect(state.form.mediaInput == .file(path: "/videos/h0.mp4", contentType: "video/mp4", inline: false))

    var noURL = Given.finished
    noURL.result = nil
    var fresh = Given.history()
    _ = press(&fresh, .character("x"))
    _ = send(&fresh, .recordLoaded(noURL))
    #expect(fresh.form.source.text == "/videos/h0.mp4")
  }

  @Test func extendRefusesUnfinishedRecords() {
    var state = Given.history()
    _ = press(&state, .character("x"))
    _ = send(&state, .recordLoaded(Fixtures.record("h0", .failed)))
    #expect(state.form.mode == .textToVideo)
    #expect(state.notice?.kind == .warning)
  }

  @Test func deleteAsksAndOffersTheVideoToo() {
    var state = Given.history()
    #expect(press(&state, .character("d"), .character("v")) == [.delete("h0", removeVideo: true)])
    #expect(send(&state, .recordDeleted("h0")) == [.loadHistory(HistoryQuery(offset: 0, limit: 50))])
  }

  @Test func reuseSeedFromTheSelectedHistoryItem() {
    var state = Given.history()
    _ = press(&state, .character("s"))
    _ = send(&state, .recordLoaded(Given.finished))
    #expect(state.form.seed == "777")
  }

  // MARK: - Mouse, resize, palette, theme

  @Test func clickSelectsPaneFieldAndRowAndWheelScrolls() {
    var state = Fixtures.withHistory(total: 30)
    Fixtures.busyQueue(&state)
    // Row 2 of the queue list (y = 1 is the first row).
    _ = send(&state, .terminal(.mouse(MouseEvent(kind: .press, x: 50, y: 2))))
    #expect(state.focus == .queue)
    #expect(state.queue.selectedID == "j-run")
    _ = send(&state, .terminal(.mouse(MouseEvent(kind: .press, x: 50, y: 14))))
    #expect(state.focus == .history)
    #expect(state.history.selected == 1)
    _ = send(&state, .terminal(.mouse(MouseEvent(kind: .scrollDown, x: 50, y: 14))))
    #expect(state.history.selected == 4)
    _ = send(&state, .terminal(.mouse(MouseEvent(kind: .press, x: 5, y: 11))))
    #expect(state.focus == .form)
    #expect(state.form.focus == .frames)
  }

  @Test func tooSmallTerminalOnlyQuits() {
    var state = Fixtures.studio()
    _ = send(&state, .terminal(.resized(width: 59, height: 24)))
    #expect(state.isTooSmall)
    #expect(press(&state, .character("x"), .tab) == [])
    #expect(state.form.prompt.isEmpty)
    #expect(press(&state, .ctrl("q")) == [.quit])
  }

  @Test func paletteRunsTheFilteredCommand() {
    var state = Fixtures.studio()
    _ = press(&state, .character(":"))  // NORMAL mode at the start: `:` opens the palette
    #expect(state.overlay == .palette(CommandPalette(entries: StudioReducer.paletteEntries(state))))
    _ = press(&state, .escape)
    #expect(
      press(&state, .ctrl("p"), .character("t"), .character("h"), .character("e"), .character("m"), .enter) == [
        .cycleTheme
      ])
    #expect(state.overlay == nil)
    _ = send(&state, .themeChanged("light"))
    #expect(state.themeName == "light")
  }

  @Test func backendLabelAndOfflineBadge() {
    var state = Fixtures.studio()
    #expect(!state.online)
    _ = send(&state, .backend(online: true, label: "fal.ai"))
    #expect(state.online && state.backendLabel == "fal.ai")
  }
}

/// The quit question tells the truth about unfinished jobs, online and offline.
@Suite struct QuitDialogTests {
  private static func jobs(_ statuses: [GenerationStatus]) -> [GenerationRecord] {
    statuses.enumerated().map { index, status in
      GenerationRecord(id: "j\(index)", status: status, mode: .textToVideo, input: ["prompt": "p"])
    }
  }

  @Test func onlineJobsKeepRunningOnTheServerAndAreFollowedNextStart() throws {
    let dialog = try #require(Dialog.quit(jobs: Self.jobs([.running, .queued, .completed]), online: true))
    #expect(
      dialog.message.hasPrefix(
        "2 jobs are still queued or running on the server, which keeps running them while the studio is closed."))
    #expect(dialog.message.contains("follows them again and downloads their videos when it next starts"))
    #expect(!dialog.message.contains("twin"))
  }

  @Test func offlineJobsContinueInTheTwinByItsClock() throws {
    let dialog = try #require(Dialog.quit(jobs: Self.jobs([.running]), online: false))
    #expect(dialog.message.hasPrefix("1 job is still queued or running in the offline twin"))
    #expect(dialog.message.contains("clock running while the studio is closed"))
    #expect(dialog.message.contains("when the studio next starts offline"))
    #expect(dialog.message.contains("finishes at once"))
  }

  @Test func aSubmitInFlightIsNotPromisedToResume() throws {
    let dialog = try #require(Dialog.quit(jobs: Self.jobs([.submitting]), online: true))
    #expect(
      dialog.message == "1 job is still being submitted; if you quit now, whether the server took it stays unknown.")
  }

  @Test func nothingUnfinishedQuitsWithoutAsking() {
    #expect(Dialog.quit(jobs: Self.jobs([.completed, .failed, .lost]), online: false) == nil)
  }

  @Test func theStudioAsksWithTheOfflineTextWhenOffline() {
    var state = Given.queue()
    state.online = false
    #expect(StudioReducer.update(&state, .terminal(.key(.character("q")))) == [])
    #expect(state.dialog?.message.contains("offline twin") == true)
    state.dialog = nil
    state.online = true
    _ = StudioReducer.update(&state, .terminal(.key(.character("q"))))
    #expect(state.dialog?.message.contains("on the server") == true)
  }

  /// Seen at 80×24: the offline question was cut after four lines, before what becomes of the job.
  @Test func theWholeQuestionIsOnScreenAt80x24() {
    var state = Given.queue()
    state.width = 80
    state.height = 24
    state.online = false
    _ = StudioReducer.update(&state, .terminal(.key(.character("q"))))
    let screen = StudioRenderer.render(state, width: 80, height: 24).textDump()
    #expect(screen.contains("and its video is downloaded."), "the last sentence ends on screen: \(screen)")
  }
}

/// A followed job whose server stops answering, and Ctrl-C: what the queue row, the badge and the
/// quit question say.
@Suite struct LivenessUpdateTests {
  func screen(_ state: AppState) -> String {
    StudioRenderer.render(state, width: state.width, height: state.height).textDump()
  }

  func running() -> AppState {
    var state = Fixtures.studio()
    _ = StudioReducer.update(&state, .backend(online: true, label: "fal.ai"))
    _ = StudioReducer.update(
      &state, .jobUpdated(Fixtures.record("j1", .running, runningSecondsAgo: 10, steps: (6, 16))))
    _ = StudioReducer.update(&state, .command(.focusQueue))
    return state
  }

  @Test func aLostConnectionShowsOnTheRowAndTheBadgeCountingDownUntilTheServerIsBack() {
    var state = running()
    #expect(screen(state).contains("● fal.ai"))
    _ = StudioReducer.update(
      &state,
      .jobConnection("j1", ConnectionTrouble(reason: "network error: refused", failures: 3, retryIn: .seconds(8))))
    var text = screen(state)
    #expect(text.contains("connection lost, retrying (next in 8s)"), "\(text)")
    #expect(text.contains("⚠ fal.ai"))
    #expect(!text.contains("● fal.ai"), "the badge is not green while the server is out of reach")
    #expect(state.needsTick, "the countdown moves with the clock")
    _ = StudioReducer.update(&state, .tick(Fixtures.now.addingTimeInterval(5)))
    text = screen(state)
    #expect(text.contains("next in 3s"))
    _ = StudioReducer.update(&state, .jobConnection("j1", nil))
    text = screen(state)
    #expect(!text.contains("connection lost"))
    #expect(text.contains("● fal.ai"))
    #expect(text.contains("6/16"))
  }

  /// A submit the server turns away (429) says so on its row and the badge, not "connection lost",
  /// counting down to the next try; when it is taken the row shows the job.
  @Test func aSubmitTurnedAwayShowsTheServerBusy() {
    var state = Fixtures.studio()
    _ = StudioReducer.update(&state, .backend(online: true, label: "fal.ai"))
    _ = StudioReducer.update(&state, .jobUpdated(Fixtures.record("j1", .submitting)))
    _ = StudioReducer.update(&state, .command(.focusQueue))
    #expect(screen(state).contains("sending"))
    _ = StudioReducer.update(
      &state,
      .jobConnection(
        "j1", ConnectionTrouble(reason: "too many requests: slow down", failures: 3, retryIn: .seconds(5), busy: true)))
    var text = screen(state)
    #expect(text.contains("server busy, sending again in 5s (3 tries)"), "\(text)")
    #expect(text.contains("⚠ fal.ai"))
    #expect(!text.contains("connection lost"))
    _ = StudioReducer.update(&state, .tick(Fixtures.now.addingTimeInterval(2)))
    #expect(screen(state).contains("sending again in 3s"))
    _ = StudioReducer.update(&state, .jobConnection("j1", nil))
    _ = StudioReducer.update(&state, .jobUpdated(Fixtures.record("j1", .queued)))
    text = screen(state)
    #expect(!text.contains("server busy"))
    #expect(text.contains("● fal.ai"))
  }

  @Test func aJobThatEndsClearsItsConnectionWarning() {
    var state = running()
    _ = StudioReducer.update(
      &state, .jobConnection("j1", ConnectionTrouble(reason: "x", failures: 1, retryIn: .seconds(1))))
    _ = StudioReducer.update(&state, .jobUpdated(Fixtures.record("j1", .lost, finishedSecondsAgo: 0)))
    #expect(state.queue.connection.isEmpty)
    #expect(!screen(state).contains("connection lost"))
  }

  @Test func ctrlCAsksBeforeQuittingWithJobsRunningAndASecondOneQuits() {
    var state = running()
    #expect(StudioReducer.update(&state, .interrupt) == [])
    #expect(state.dialog?.purpose == .quit)
    #expect(!state.quitting)
    #expect(StudioReducer.update(&state, .interrupt) == [.quit])
    #expect(state.quitting)
  }

  @Test func ctrlCQuitsAtOnceWhenNothingRuns() {
    var state = Fixtures.studio()
    #expect(StudioReducer.update(&state, .interrupt) == [.quit])
  }
}
