import FalProtocol
import HistoryModel
import TerminalScreen
import Testing

@testable import StudioUI

/// The rendered screen for each pane and state, as text and as style roles.
@Suite struct SnapshotTests {
  func render(_ state: AppState) -> ScreenGrid {
    StudioRenderer.render(state, width: state.width, height: state.height)
  }

  func key(_ state: inout AppState, _ keys: Key...) {
    for key in keys { _ = StudioReducer.update(&state, .terminal(.key(key))) }
  }

  func type(_ state: inout AppState, _ text: String) {
    for character in text { _ = StudioReducer.update(&state, .terminal(.key(.character(character)))) }
  }

  @Test func emptyStudioShowsTheOfflineBadge() {
    assertSnapshot(render(Fixtures.studio()), named: "empty-offline-80x24")
  }

  @Test func onlineBadge() {
    var state = Fixtures.studio()
    _ = StudioReducer.update(&state, .backend(online: true, label: "fal.ai"))
    assertSnapshot(render(state), named: "online-80x24")
  }

  @Test func invalidFieldIsMarkedBeforeSubmit() {
    var state = Fixtures.studio()
    key(&state, .enter)
    type(&state, "a cat")
    key(&state, .escape, .down)  // prompt → frames (text-to-video has no source field)
    #expect(state.form.focus == .frames)
    key(&state, .backspace)
    state.form.frames = "500"
    state.form.touched.insert(.frames)
    assertSnapshot(render(state), named: "form-invalid-field")
  }

  @Test func serverFieldErrorsLandOnTheirFields() {
    var state = Fixtures.studio()
    _ = StudioReducer.update(&state, .terminal(.key(.escape)))
    _ = StudioReducer.update(&state, .command(.focusForm))
    state.form.mode = .imageToVideo
    state.form.prompt.setText("a cat on a skateboard")
    state.form.source.setText("https://example.com/cat.png")
    _ = StudioReducer.update(
      &state,
      .submitFailed(
        .fields([
          FieldError(loc: ["body", "image_url"], msg: "Could not download the image: 404", type: "value_error"),
          FieldError(
            loc: ["body", "num_frames"], msg: "Input should be less than or equal to 192", type: "less_than_equal"),
          FieldError(loc: ["body", "mystery"], msg: "Unexpected", type: "extra_forbidden"),
        ])))
    assertSnapshot(render(state), named: "form-server-422")
  }

  @Test func busyQueueNarrow() {
    var state = Fixtures.studio()
    Fixtures.busyQueue(&state)
    _ = StudioReducer.update(&state, .command(.focusQueue))
    assertSnapshot(render(state), named: "queue-busy-80x24")
  }

  @Test func busyQueueWide() {
    var state = Fixtures.withHistory(total: 120, width: 120, height: 40)
    Fixtures.busyQueue(&state)
    state.form.prompt.setText("a red fox running through snow, cinematic, golden hour")
    assertSnapshot(render(state), named: "studio-120x40")
  }

  @Test func historyWithFilterText() {
    var state = Fixtures.withHistory(total: 340)
    key(&state, .escape, .character("/"))
    type(&state, "lighthouse")
    let query = state.history.loading!
    _ = StudioReducer.update(
      &state,
      .historyPage(HistoryPage(summaries: Fixtures.summaries(12), totalMatches: 12, offset: 0, limit: 50), for: query))
    key(&state, .down, .down)
    assertSnapshot(render(state), named: "history-filtered")
  }

  @Test func historyDetail() {
    var state = Fixtures.withHistory(total: 3)
    key(&state, .escape, .character("3"), .enter)
    let record = Fixtures.record(
      "h0", .completed, prompt: "history item 0: a lighthouse at dusk, waves", mode: .imageToVideo,
      createdSecondsAgo: 600, runningSecondsAgo: 560, finishedSecondsAgo: 420, seed: 777,
      url: "https://v3.fal.media/files/lighthouse.mp4", localPath: "/home/u/.local/share/magi-studio/videos/h0.mp4")
    _ = StudioReducer.update(&state, .recordLoaded(record))
    assertSnapshot(render(state), named: "history-detail")
  }

  @Test func helpOverlay() {
    var state = Fixtures.studio()
    key(&state, .function(1))
    assertSnapshot(render(state), named: "help-overlay")
  }

  @Test func commandPaletteFiltered() {
    var state = Fixtures.studio()
    key(&state, .ctrl("p"))
    type(&state, "ext")
    assertSnapshot(render(state), named: "palette-filtered")
  }

  @Test func cancelConfirmation() {
    var state = Fixtures.studio()
    Fixtures.busyQueue(&state)
    key(&state, .escape, .character("2"), .character("c"))
    assertSnapshot(render(state), named: "dialog-cancel")
  }

  /// The quit dialog says what becomes of running jobs; every word of it is on the screen, at
  /// 80×24 (it was cut after four lines, mid-sentence, before "or finishes at once…").
  @Test func quitDialogShowsItsWholeMessage() {
    var state = Fixtures.studio()
    Fixtures.busyQueue(&state)
    key(&state, .escape, .ctrl("q"))
    #expect(state.dialog?.message.hasSuffix("its video is downloaded.") == true)
    let words = render(state).textDump().replacing("│", with: " ").split(whereSeparator: \.isWhitespace)
    #expect(words.contains("downloaded."))
    assertSnapshot(render(state), named: "dialog-quit-offline-80x24")
  }

  /// One record is "1 item", not "1 items".
  @Test func aCountOfOneIsSingular() {
    let one = render(Fixtures.withHistory(total: 1)).textDump()
    #expect(one.contains("1 item│") || one.contains("1 item "), "\(one)")
    #expect(!one.contains("1 items"))
    #expect(render(Fixtures.withHistory(total: 2)).textDump().contains("2 items"))
  }

  /// A finished job's price is its cost, not money saved ("saved $0.32" read as a discount).
  @Test func aSavedJobsPriceIsNotReadAsMoneySaved() {
    // Wide enough for both: "saved · $0.32"; at 80 columns "saved" alone.
    var state = Fixtures.studio(width: 200, height: 60)
    Fixtures.busyQueue(&state)
    let screen = render(state).textDump()
    #expect(!screen.contains("saved $"), "\(screen)")
    #expect(screen.contains("saved · $"), "\(screen)")
    var narrow = Fixtures.studio()
    Fixtures.busyQueue(&narrow)
    let narrowScreen = render(narrow).textDump()
    #expect(!narrowScreen.contains("saved $"), "\(narrowScreen)")
    #expect(narrowScreen.contains("✓ lighthouse at dusk  4:00  saved"), "\(narrowScreen)")
  }

  @Test func tooSmallNoticeAndRecovery() {
    var state = Fixtures.studio()
    _ = StudioReducer.update(&state, .terminal(.resized(width: 50, height: 15)))
    assertSnapshot(render(state), named: "too-small")
    _ = StudioReducer.update(&state, .terminal(.resized(width: 80, height: 24)))
    #expect(render(state) == render(Fixtures.studio()))
  }

  @Test func promptWithWideCharactersEmojiAndCombiningMarks() {
    var state = Fixtures.studio()
    key(&state, .paste("猫が走る 🐈‍⬛ cafe\u{301}\nnaïve e\u{301}e\u{301} 👍🏽 end"))
    key(&state, .left, .left, .left, .left)
    assertSnapshot(render(state), named: "prompt-unicode-caret")
  }

  @Test func logLineWithEscapeSequenceIsInert() {
    var state = Fixtures.studio()
    Fixtures.busyQueue(&state)
    _ = StudioReducer.update(
      &state, .jobLogs("j-run", [Fixtures.log("evil \u{1B}]52;c;ZXZpbA==\u{07}\u{1B}[2J done", second: 40)]))
    let grid = render(state)
    #expect(grid.cells.allSatisfy { TerminalText.isInert($0.text) })
    assertSnapshot(grid, named: "log-escape-inert")
  }

  @Test func focusShowsInTheStyleDump() {
    var state = Fixtures.withHistory(total: 5)
    key(&state, .escape, .tab, .tab)
    #expect(state.focus == .history)
    assertSnapshot(render(state), named: "focus-history")
  }

  /// The mode, helix-style, at the left of the status bar: NORMAL as the studio starts; EDIT in
  /// the prompt; EDIT in Frames with digits typed (the price is of the number shown).
  @Test func modeIndicatorAtEverySize() {
    assertSnapshot(render(Fixtures.studio()), named: "mode-normal-80x24")

    var prompt = Fixtures.withHistory(total: 40, width: 120, height: 40)
    key(&prompt, .character("i"))
    type(&prompt, "a heron lands")
    #expect(prompt.inputMode == .edit)
    assertSnapshot(render(prompt), named: "mode-edit-prompt-120x40")

    var frames = Fixtures.withHistory(total: 120, width: 200, height: 60)
    Fixtures.busyQueue(&frames)
    key(&frames, .down, .enter)  // prompt → frames (text-to-video has no source)
    type(&frames, "150")
    #expect(frames.form.frames == "150")
    assertSnapshot(render(frames), named: "mode-edit-frames-200x60")
  }

  @Test func extendModeFormAtMinimumSize() {
    var state = Fixtures.studio(width: 60, height: 18)
    state.form.mode = .extendVideo
    state.form.source.setText("/videos/fox.mp4")
    state.form.parentID = "j-done"
    state.form.prompt.setText("the fox turns around")
    assertSnapshot(render(state), named: "form-extend-60x18")
  }
}
