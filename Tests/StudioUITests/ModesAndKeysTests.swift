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

/// Modes, digits, undo, confirmations, line editing and the palette: what a stray key must not
/// do, and what the keys the hints name must do.
@Suite struct ModesAndKeysTests {
  func press(_ state: inout AppState, _ keys: Key...) -> [Effect] {
    keys.flatMap { StudioReducer.update(&state, .terminal(.key($0))) }
  }

  func type(_ state: inout AppState, _ text: String) -> [Effect] {
    text.flatMap { StudioReducer.update(&state, .terminal(.key(.character($0)))) }
  }

  // MARK: - Modes

  @Test func theStudioStartsInNormalModeWhereTheHintedKeysWork() {
    var state = Fixtures.studio()
    #expect(state.inputMode == .normal)
    _ = press(&state, .character("?"))
    #expect(state.overlay == .help(scroll: 0))
    #expect(state.form.prompt.isEmpty)
    _ = press(&state, .escape, .tab)
    #expect(state.focus == .queue)
    #expect(press(&state, .character("q")) == [.quit])
  }

  @Test func enterOrIEntersEditModeAndEscLeavesIt() {
    var state = Fixtures.studio()
    _ = press(&state, .character("i"))
    #expect(state.inputMode == .edit)
    _ = type(&state, "q?")
    #expect(state.form.prompt.text == "q?")
    _ = press(&state, .escape)
    #expect(state.inputMode == .normal)
    _ = press(&state, .enter)
    #expect(state.inputMode == .edit)
  }

  @Test func escOnAnUntouchedFormShowsNoError() {
    var state = Fixtures.studio()
    _ = press(&state, .escape)
    #expect(state.notice == nil)
    #expect(state.form.visibleFields.allSatisfy { state.form.message(for: $0) == nil })
    _ = press(&state, .enter, .escape, .escape)
    #expect(state.notice == nil)
    #expect(state.form.visibleFields.allSatisfy { state.form.message(for: $0) == nil })
  }

  @Test func theStatusBarNamesTheMode() {
    var state = Fixtures.studio()
    let bottom = { (state: AppState) in
      String(StudioRenderer.render(state, width: 80, height: 24).textDump().split(separator: "\n").last ?? "")
    }
    #expect(bottom(state).hasPrefix(" NORMAL "))
    _ = press(&state, .enter)
    #expect(bottom(state).hasPrefix(" EDIT "))
    _ = press(&state, .escape, .character("3"), .character("/"))
    #expect(bottom(state).hasPrefix(" EDIT "), "the history filter is typed too")
  }

  // MARK: - Number fields

  @Test func typing150IntoFramesGives150AndThePriceOf150() {
    var state = Given.form(.frames)
    _ = press(&state, .enter)
    #expect(state.inputMode == .edit)
    _ = type(&state, "150")
    #expect(state.form.frames == "150")
    let units = MagiSchema.billingUnits(numFrames: 150, resolution: "720p", numInferenceSteps: 16)
    #expect(state.form.estimate(pricePerUnit: 0.08).units == units)
    _ = press(&state, .backspace)
    #expect(state.form.frames == "15")
    _ = press(&state, .backspace, .backspace)
    #expect(state.form.frames == "")
    _ = type(&state, "120")
    _ = press(&state, .enter)
    #expect(state.inputMode == .normal)
    #expect(state.form.frames == "120")
    #expect(state.form.request.numFrames == 120)
  }

  @Test func overRangeDigitsAreRefusedWithAMessage() {
    var state = Given.form(.frames)
    _ = press(&state, .enter)
    _ = type(&state, "965")
    #expect(state.form.frames == "96")
    #expect(state.notice == Notice("num_frames must be 96–192: 965 not taken", kind: .warning))
    // Seed: up to Int.max; one digit more is refused.
    state = Given.form(.seed)
    _ = press(&state, .enter)
    _ = type(&state, String(Int.max) + "0")
    #expect(state.form.seed == String(Int.max))
    #expect(state.notice?.kind == .warning)
    // Start frame (extend mode) takes digits too.
    state = Given.form(.startFrame) { $0.mode = .extendVideo }
    _ = press(&state, .character("i"))
    _ = type(&state, "24")
    #expect(state.form.startFrame == "24")
  }

  @Test func paneNumberKeysWorkOnlyInNormalMode() {
    var state = Given.form(.seed)
    _ = press(&state, .enter)
    _ = type(&state, "123")
    #expect(state.form.seed == "123")
    #expect(state.focus == .form)
    _ = press(&state, .escape, .character("2"))
    #expect(state.focus == .queue)
    // In NORMAL mode a digit that is not a pane key says how to type it.
    state = Given.form(.frames)
    _ = type(&state, "5")
    #expect(state.form.frames == "96")
    #expect(state.notice?.text.contains("press Enter or i") == true)
  }

  @Test func theWheelOverTheFormEndsEditModeAndClampsTheFieldLeft() {
    var state = Given.form(.frames)
    _ = press(&state, .enter)
    _ = type(&state, "1")
    _ = StudioReducer.update(&state, .terminal(.mouse(MouseEvent(kind: .scrollDown, x: 5, y: 5))))
    #expect(state.form.frames == "96")
    #expect(state.form.focus == .steps)
    #expect(state.inputMode == .normal)
  }

  @Test func lettersInANumberFieldAreRefused() {
    var state = Given.form(.frames)
    _ = press(&state, .enter)
    _ = type(&state, "1x")
    #expect(state.form.frames == "1")
    #expect(state.notice == Notice("Frames takes digits only", kind: .warning))
  }

  // MARK: - Confirmations

  static func submittable() -> AppState {
    var state = Given.form(.mode) { $0.prompt.setText("a cat") }
    state.form.focus = .prompt
    return state
  }

  @Test func theSameRequestAgainWithinTenSecondsAsksWithThePrice() {
    var state = Self.submittable()
    let first = press(&state, .ctrl("s"))
    #expect(first.count == 1)
    let record = Fixtures.record("new", .queued, prompt: "a cat")
    _ = StudioReducer.update(&state, .submitted(record))
    state.now = Fixtures.now.addingTimeInterval(4)
    #expect(press(&state, .ctrl("s")) == [])
    #expect(state.dialog?.title == "Send the same request again?")
    #expect(
      state.dialog?.message == "This exact request was sent 4 s ago. Again: fal-ai/magi-distilled, 4.0 units ≈ $0.32.")
    #expect(press(&state, .character("n")) == [])
    #expect(press(&state, .ctrl("s"), .character("y")) == first)
    #expect(state.form.submitting)
  }

  @Test func theSameRequestAfterTenSecondsOrAnotherRequestGoesAtOnce() {
    var state = Self.submittable()
    let first = press(&state, .ctrl("s"))
    _ = StudioReducer.update(&state, .submitted(Fixtures.record("new", .queued, prompt: "a cat")))
    state.now = Fixtures.now.addingTimeInterval(11)
    #expect(press(&state, .ctrl("s")) == first)
    _ = StudioReducer.update(&state, .submitted(Fixtures.record("new2", .queued, prompt: "a cat")))
    _ = press(&state, .escape)
    state.form.focus = .steps
    _ = press(&state, .right)
    #expect(press(&state, .ctrl("s")).count == 1, "a changed request is a new one")
    #expect(state.dialog == nil)
  }

  // MARK: - Undo

  @Test func resetCanBeUndoneAndRedone() {
    var state = Self.submittable()
    state.formUndo.record(state.form.values, typing: nil)
    state.form.focus = .steps
    _ = press(&state, .right, .ctrl("r"))
    #expect(state.form.prompt.isEmpty)
    #expect(state.form.steps == 16)
    _ = press(&state, .character("u"))
    #expect(state.form.prompt.text == "a cat")
    #expect(state.form.steps == 32)
    _ = press(&state, .character("u"))
    #expect(state.form.steps == 16)
    #expect(state.form.prompt.text == "a cat")
    _ = press(&state, .character("U"), .character("U"))
    #expect(state.form.prompt.isEmpty)
    _ = press(&state, .character("U"))
    #expect(state.notice == Notice("Nothing to redo"))
  }

  @Test func typingIsUndoneAWordAtATime() {
    var state = Fixtures.studio()
    _ = press(&state, .enter)
    _ = type(&state, "a red fox")
    _ = press(&state, .ctrl("_"))
    #expect(state.form.prompt.text == "a red ")
    _ = press(&state, .ctrl("_"))
    #expect(state.form.prompt.text == "a ")
    _ = press(&state, .alt("_"))
    #expect(state.form.prompt.text == "a red ")
    _ = press(&state, .ctrl("_"), .ctrl("_"))
    #expect(state.form.prompt.text == "")
    _ = press(&state, .ctrl("_"))
    #expect(state.notice == Notice("Nothing to undo"))
  }

  @Test func undoingAModeChangeKeepsTheFocusOnAVisibleField() {
    var state = Given.form(.startFrame) { $0.mode = .extendVideo }
    state.formUndo = FormUndo()
    state.formUndo.record(FormState().values, typing: nil)
    state.formUndo.record(state.form.values, typing: nil)
    _ = press(&state, .character("u"))
    #expect(state.form.mode == .textToVideo)
    #expect(state.form.visibleFields.contains(state.form.focus))
  }

  @Test func aRecordLoadedIntoTheFormCanBeUndone() {
    var state = Given.detail()
    _ = press(&state, .character("e"))
    #expect(state.form.prompt.text == Given.finished.prompt)
    _ = press(&state, .character("u"))
    #expect(state.form.prompt.isEmpty)
    #expect(state.form.seed == "")
  }

  // MARK: - Line editing

  @Test func cutsGoToOneYankBuffer() {
    var state = Fixtures.studio()
    _ = press(&state, .enter)
    _ = type(&state, "a red fox")
    _ = press(&state, .ctrl("w"))
    #expect(state.form.prompt.text == "a red ")
    #expect(state.cutText == "fox")
    _ = press(&state, .ctrl("a"), .ctrl("y"))
    #expect(state.form.prompt.text == "foxa red ")
    _ = press(&state, .ctrl("k"))
    #expect(state.form.prompt.text == "fox")
    #expect(state.cutText == "a red ")
    _ = press(&state, .ctrl("u"))
    #expect(state.form.prompt.text == "")
    #expect(state.cutText == "fox")
    // Into the history filter, from the same buffer.
    _ = press(&state, .escape, .character("/"), .ctrl("y"))
    #expect(state.history.filter.text == "fox")
    _ = press(&state, .home, .alt("d"))
    #expect(state.history.filter.text == "")
  }

  @Test func ctrlLAsksForARepaint() {
    var state = Fixtures.studio()
    #expect(press(&state, .ctrl("l")) == [.redraw])
    _ = press(&state, .enter)
    #expect(press(&state, .ctrl("l")) == [.redraw])
  }

  // MARK: - Palette

  static let entries: [PaletteEntry] =
    CommandPalette.commands + ["dark", "light"].map(PaletteEntry.theme) + MagiMode.allCases.map(PaletteEntry.mode)
    + [.goToJob("j-run")]

  func matches(_ query: String) -> [PaletteEntry] { CommandPalette(query: query, entries: Self.entries).matches }

  @Test func prefixAndWordStartMatchesRankFirst() {
    let theme = matches("theme")
    #expect(Array(theme.prefix(3)) == [.theme("dark"), .theme("light"), .command(.cycleTheme)])
    let open = theme.firstIndex(of: .command(.openRecord))
    #expect(open == nil || open! > 2, "\(theme)")
    #expect(matches("theme light").first == .theme("light"))
    #expect(matches("mode extend").first == .mode(.extendVideo))
    #expect(matches("mode i2v").first == .mode(.imageToVideo))
    #expect(matches("cancel all").first == .command(.cancelAll))
    #expect(matches("open videos folder").first == .command(.openVideosFolder))
    #expect(matches("copy file path").first == .command(.copyFilePath))
    #expect(matches("go to job j-run").first == .goToJob("j-run"))
    #expect(matches("go to job 42").first == .goToJob("42"), "an id typed is offered as typed")
  }

  @Test func scoreTiers() {
    let prefix = CommandPalette.score("the", in: "theme dark")!
    let wordStart = CommandPalette.score("the", in: "Cycle colour theme")!
    let fuzzy = CommandPalette.score("theme", in: "Open the history item's video")!
    #expect(prefix > wordStart)
    #expect(wordStart > fuzzy)
    #expect(CommandPalette.score("zzz", in: "theme dark") == nil)
  }

  @Test func ctrlUClearsThePaletteInput() {
    var state = Fixtures.studio()
    _ = press(&state, .ctrl("p"))
    _ = type(&state, "them")
    _ = press(&state, .ctrl("u"))
    guard case .palette(let palette) = state.overlay else {
      Issue.record("the palette closed")
      return
    }
    #expect(palette.query.isEmpty)
  }

  @Test func paletteVerbsRunWithTheirArguments() {
    var state = Fixtures.studio()
    Fixtures.busyQueue(&state)
    state.themeNames = ["dark", "light"]
    _ = press(&state, .ctrl("p"))
    _ = type(&state, "theme light")
    #expect(press(&state, .enter) == [.setTheme("light")])

    _ = press(&state, .ctrl("p"))
    _ = type(&state, "mode extend")
    _ = press(&state, .enter)
    #expect(state.form.mode == .extendVideo)
    #expect(state.focus == .form)

    _ = press(&state, .ctrl("p"))
    _ = type(&state, "go to job j-done")
    _ = press(&state, .enter)
    #expect(state.focus == .queue)
    #expect(state.queue.selectedID == "j-done")

    _ = press(&state, .ctrl("p"))
    _ = type(&state, "copy file path")
    #expect(press(&state, .enter) == [.copyToClipboard("/videos/fox.mp4")])

    _ = press(&state, .ctrl("p"))
    _ = type(&state, "open videos folder")
    #expect(press(&state, .enter) == [.openVideosFolder])

    _ = press(&state, .ctrl("p"))
    _ = type(&state, "cancel all")
    #expect(press(&state, .enter) == [])
    #expect(state.dialog?.purpose == .cancelJobs(["j-queued", "j-run"]))
    #expect(press(&state, .character("y")) == [.cancel("j-queued"), .cancel("j-run")])
  }
}
