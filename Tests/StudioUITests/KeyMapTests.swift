import FalProtocol
// Full Foundation: the README checks use `String.range(of:)`.
import Foundation
import HistoryModel
import TerminalScreen
import Testing

@testable import StudioUI

/// One expectation per (context, command) of the key map: from a given state, pressing ANY key
/// bound to that command must produce exactly this state and exactly these effects.
struct BindingCase: Sendable {
  var given: @Sendable () -> AppState
  var expect: @Sendable (inout AppState) -> Void
  var effects: [Effect]

  init(
    _ given: @escaping @Sendable () -> AppState, effects: [Effect] = [],
    expect: @escaping @Sendable (inout AppState) -> Void
  ) {
    self.given = given
    self.expect = expect
    self.effects = effects
  }
}

/// A text editor holding `text` with the caret at `caret` (built by moving, as a user would).
func editor(_ text: String, caret: Int, multiline: Bool = true) -> TextEditor {
  var editor = TextEditor(text, multiline: multiline)
  while editor.caret > caret { editor.moveLeft() }
  return editor
}

/// Names the fields of two states that differ (the full values are too big to read in a failure).
func differences(_ lhs: AppState, _ rhs: AppState) -> String {
  let left = Mirror(reflecting: lhs).children
  let right = Array(Mirror(reflecting: rhs).children)
  var out: [String] = []
  for (index, child) in left.enumerated()
  where String(describing: child.value) != String(describing: right[index].value) {
    out.append("\(child.label ?? "?"):\n  got      \(child.value)\n  expected \(right[index].value)")
  }
  return out.joined(separator: "\n")
}

enum Given {
  static func studio() -> AppState {
    var state = Fixtures.studio()
    state.form.editing = false
    state.form.focus = .mode
    return state
  }

  static func form(_ field: FormField, _ change: (inout FormState) -> Void = { _ in }) -> AppState {
    var state = studio()
    state.form.focus = field
    change(&state.form)
    return state
  }

  static func typing() -> AppState {
    var state = Fixtures.studio()
    state.form.editing = true
    state.form.prompt = editor("hello world\nsecond line", caret: 5)
    return state
  }

  /// EDIT mode in the prompt after typing `hi` (so undo has a step to take back).
  static func typed() -> AppState {
    var state = Fixtures.studio()
    _ = StudioReducer.update(&state, .terminal(.key(.enter)))
    for character in "hi" { _ = StudioReducer.update(&state, .terminal(.key(.character(character)))) }
    return state
  }

  /// `typed()`, then undone.
  static func undone() -> AppState {
    var state = typed()
    _ = StudioReducer.update(&state, .command(.undo))
    return state
  }

  /// The form (NORMAL mode, on Steps) just reset with Ctrl-R over a prompt `x`.
  static func reset() -> AppState {
    var state = form(.steps) { $0.prompt.setText("x") }
    state.formUndo.record(state.form.values, typing: nil)
    _ = StudioReducer.update(&state, .command(.resetForm))
    return state
  }

  static func history(total: Int = 3, loaded: Int = 50, selected: Int = 0) -> AppState {
    var state = Fixtures.withHistory(total: total, loaded: loaded)
    state.form.editing = false
    state.focus = .history
    state.history.selected = selected
    return state
  }

  /// Three rows, the newest two one batch (`b1`, collapsed: the selection is its batch row).
  static func batchHistory(expanded: Bool = false, selected: Int = 0) -> AppState {
    var state = history()
    if expanded { state.history.expandedBatches = ["b1"] }
    state.history.selected = selected
    let detail = { (batch: String?) in
      RowDetail(resolution: "720p", frames: 96, cost: 0.32, onDisk: true, batchID: batch)
    }
    _ = StudioReducer.update(&state, .rowDetails(["h0": detail("b1"), "h1": detail("b1"), "h2": detail(nil)]))
    return state
  }

  static let finished = Fixtures.record(
    "h0", .completed, prompt: "history item 0: a lighthouse at dusk, waves", createdSecondsAgo: 600,
    runningSecondsAgo: 560, finishedSecondsAgo: 420, seed: 777, url: "https://v3.fal.media/files/h0.mp4",
    localPath: "/videos/h0.mp4")

  /// The details of `h0` with its contact sheet shown.
  static func detail() -> AppState {
    var state = history()
    state.overlay = .detail(id: "h0", record: finished, scroll: 2)
    _ = StudioReducer.reconcilePreview(&state)
    state.preview.sheet?.content = .pictures([])
    return state
  }

  /// `detail()` playing `h0` in the details view, at 2 s of 4.
  static func playing() -> AppState {
    var state = detail()
    var playback = Playback(
      id: "h0", path: "/videos/h0.mp4", fullScreen: false, box: PreviewLayout.pictureBox(state, fullScreen: false))
    playback.time = 2
    playback.duration = 4
    playback.frameRate = 24
    playback.content = .pictures([PreviewPicture(time: 2, art: CellArt(width: 0, height: 0, cells: []))])
    state.preview.playback = playback
    return state
  }

  static func queue(selected: String = "j-run") -> AppState {
    var state = Fixtures.studio()
    Fixtures.busyQueue(&state)
    state.form.editing = false
    state.focus = .queue
    state.queue.selectedID = selected
    return state
  }

  static func deleteDialog() -> AppState {
    var state = history()
    state.dialog = Dialog(purpose: .deleteRecord("h0"), title: "Delete from history?", message: "Delete h0")
    return state
  }

  /// The messages view over 30 one-line messages, `back` lines up from the newest.
  static func messages(back: Int) -> AppState {
    var state = studio()
    for index in 0..<30 { state.notice = Notice("message \(index)") }
    state.notice = nil
    state.overlay = .messages(back: back)
    return state
  }

  static func overlay(_ overlay: Overlay) -> AppState {
    var state = studio()
    state.overlay = overlay
    return state
  }
}

let firstPage = HistoryQuery(offset: 0, limit: 50)

let bindingCases: [KeyContext: [Command: BindingCase]] = [
  .dialog: [
    .confirmYes: BindingCase(Given.deleteDialog, effects: [.delete("h0", removeVideo: false)]) {
      $0.dialog = nil
      $0.notice = Notice("Deleting h0…")
    },
    .confirmAlternative: BindingCase(Given.deleteDialog, effects: [.delete("h0", removeVideo: true)]) {
      $0.dialog = nil
      $0.notice = Notice("Deleting h0 and its video…")
    },
    .confirmNo: BindingCase(Given.deleteDialog) { $0.dialog = nil },
  ],
  .help: [
    .close: BindingCase({ Given.overlay(.help(scroll: 3)) }) { $0.overlay = nil },
    .moveDown: BindingCase({ Given.overlay(.help(scroll: 3)) }) { $0.overlay = .help(scroll: 4) },
    .moveUp: BindingCase({ Given.overlay(.help(scroll: 3)) }) { $0.overlay = .help(scroll: 2) },
    .pageDown: BindingCase({ Given.overlay(.help(scroll: 3)) }) { $0.overlay = .help(scroll: 21) },
    .pageUp: BindingCase({ Given.overlay(.help(scroll: 3)) }) { $0.overlay = .help(scroll: 0) },
  ],
  .palette: [
    .close: BindingCase({ Given.overlay(.palette(CommandPalette())) }) { $0.overlay = nil },
    .moveDown: BindingCase({ Given.overlay(.palette(CommandPalette())) }) {
      var palette = CommandPalette()
      palette.selected = 1
      $0.overlay = .palette(palette)
    },
    .moveUp: BindingCase({
      var palette = CommandPalette()
      palette.selected = 2
      return Given.overlay(.palette(palette))
    }) {
      var palette = CommandPalette()
      palette.selected = 1
      $0.overlay = .palette(palette)
    },
    // The second command of the unfiltered list is "Focus previous pane".
    .activate: BindingCase({
      var palette = CommandPalette()
      palette.selected = 1
      return Given.overlay(.palette(palette))
    }) {
      $0.overlay = nil
      $0.focus = .history
    },
    .editorBackspace: BindingCase({ Given.overlay(.palette(CommandPalette(query: "ab"))) }) {
      $0.overlay = .palette(CommandPalette(query: "a"))
    },
    // Ctrl-U clears the query.
    .editorKillToStart: BindingCase({ Given.overlay(.palette(CommandPalette(query: "ab"))) }) {
      $0.overlay = .palette(CommandPalette(query: ""))
      $0.cutText = "ab"
    },
  ],
  .playback: [
    .pausePlayback: BindingCase(Given.playing, effects: [.stopPlayback]) { $0.preview.playback?.paused = true },
    .stepForward: BindingCase(
      Given.playing,
      effects: [
        .stopPlayback,
        .showPreviewFrame(
          id: "h0", path: "/videos/h0.mp4", box: Given.playing().preview.playback!.box, at: 2 + 1.0 / 24),
      ]
    ) {
      $0.preview.playback?.paused = true
      $0.preview.playback?.time = 2 + 1.0 / 24
    },
    .stepBackward: BindingCase(
      Given.playing,
      effects: [
        .stopPlayback,
        .showPreviewFrame(
          id: "h0", path: "/videos/h0.mp4", box: Given.playing().preview.playback!.box, at: 2 - 1.0 / 24),
      ]
    ) {
      $0.preview.playback?.paused = true
      $0.preview.playback?.time = 2 - 1.0 / 24
    },
    .seekForward: BindingCase(
      Given.playing,
      effects: [.playPreview(id: "h0", path: "/videos/h0.mp4", box: Given.playing().preview.playback!.box, from: 3)]
    ) { $0.preview.playback?.time = 3 },
    .seekBackward: BindingCase(
      Given.playing,
      effects: [.playPreview(id: "h0", path: "/videos/h0.mp4", box: Given.playing().preview.playback!.box, from: 1)]
    ) { $0.preview.playback?.time = 1 },
    // The whole screen is a new size: frames are asked for again, from where playback is.
    .togglePlaybackZoom: BindingCase(
      Given.playing,
      effects: [
        .playPreview(
          id: "h0", path: "/videos/h0.mp4", box: PreviewLayout.pictureBox(Given.playing(), fullScreen: true), from: 2)
      ]
    ) {
      $0.preview.playback?.fullScreen = true
      $0.preview.playback?.box = PreviewLayout.pictureBox(Given.playing(), fullScreen: true)
    },
    .stopPlayback: BindingCase(Given.playing, effects: [.stopPlayback]) { $0.preview.playback = nil },
  ],
  .detail: [
    .playVideo: BindingCase(
      Given.detail,
      effects: [
        .playPreview(
          id: "h0", path: "/videos/h0.mp4", box: PreviewLayout.pictureBox(Given.detail(), fullScreen: false), from: 0)
      ]
    ) {
      $0.preview.playback = Playback(
        id: "h0", path: "/videos/h0.mp4", fullScreen: false,
        box: PreviewLayout.pictureBox(Given.detail(), fullScreen: false))
    },
    .playVideoFullScreen: BindingCase(
      Given.detail,
      effects: [
        .playPreview(
          id: "h0", path: "/videos/h0.mp4", box: PreviewLayout.pictureBox(Given.detail(), fullScreen: true), from: 0)
      ]
    ) {
      $0.preview.playback = Playback(
        id: "h0", path: "/videos/h0.mp4", fullScreen: true,
        box: PreviewLayout.pictureBox(Given.detail(), fullScreen: true))
    },
    .close: BindingCase(Given.detail) {
      $0.overlay = nil
      $0.preview = PreviewState()
    },
    .moveDown: BindingCase(Given.detail) { $0.overlay = .detail(id: "h0", record: Given.finished, scroll: 3) },
    .moveUp: BindingCase(Given.detail) { $0.overlay = .detail(id: "h0", record: Given.finished, scroll: 1) },
    .openRecord: BindingCase(Given.detail, effects: [.open("h0")]) { _ in },
    // One key that spends money asks first, with the price.
    .rerunRecord: BindingCase(Given.detail) {
      $0.dialog = Dialog(
        purpose: .rerun(
          "h0",
          MagiRequest(
            endpoint: MagiEndpoint(mode: .textToVideo), prompt: "history item 0: a lighthouse at dusk, waves",
            numFrames: 96, resolution: "720p", numInferenceSteps: 16, enableSafetyChecker: true, aspectRatio: "auto"),
          parentID: nil, webhook: nil),
        title: "Re-run h0?",
        message:
          "fal-ai/magi-distilled, 4.0 units ≈ $0.32, sent again as it was: history item 0: a lighthouse at dusk, waves")
    },
    .editRecord: BindingCase(Given.detail) {
      $0.overlay = nil
      $0.preview = PreviewState()
      $0.focus = .form
      $0.form.prompt = TextEditor("history item 0: a lighthouse at dusk, waves", multiline: true)
      $0.form.seed = "777"
      $0.form.editing = false
      $0.notice = Notice("Loaded h0 into the form")
    },
    .extendRecord: BindingCase(Given.detail) {
      $0.overlay = nil
      $0.preview = PreviewState()
      $0.focus = .form
      $0.form.mode = .extendVideo
      $0.form.prompt = TextEditor("history item 0: a lighthouse at dusk, waves", multiline: true)
      $0.form.source = TextEditor("https://v3.fal.media/files/h0.mp4")
      $0.form.seed = "777"
      $0.form.parentID = "h0"
      $0.form.editing = false
      $0.notice = Notice("Extending h0 from its URL")
    },
    .copyURL: BindingCase(Given.detail, effects: [.copyToClipboard("https://v3.fal.media/files/h0.mp4")]) {
      $0.notice = Notice("Copying the video URL of h0…")
    },
    .reuseSeed: BindingCase(Given.detail) {
      $0.form.seed = "777"
      $0.form.touched = [.seed]
      $0.notice = Notice("Seed 777 from h0")
    },
    .deleteRecord: BindingCase(Given.detail) {
      $0.dialog = Dialog(
        purpose: .deleteRecord("h0"), title: "Delete from history?",
        message: "Delete h0: history item 0: a lighthouse at dusk, waves")
    },
    .toggleZoom: BindingCase(Given.detail) { $0.zoomed = true },
  ],
  .messages: [
    .close: BindingCase({ Given.messages(back: 3) }) { $0.overlay = nil },
    .moveDown: BindingCase({ Given.messages(back: 3) }) { $0.overlay = .messages(back: 2) },
    .moveUp: BindingCase({ Given.messages(back: 3) }) { $0.overlay = .messages(back: 4) },
    .pageDown: BindingCase({ Given.messages(back: 3) }) { $0.overlay = .messages(back: 0) },
    .pageUp: BindingCase({ Given.messages(back: 3) }) { $0.overlay = .messages(back: 23) },
    .moveTop: BindingCase({ Given.messages(back: 3) }) { $0.overlay = .messages(back: 29) },
    .moveBottom: BindingCase({ Given.messages(back: 3) }) { $0.overlay = .messages(back: 0) },
  ],
  .editor: [
    .editorLeft: BindingCase(Given.typing) { $0.form.prompt = editor("hello world\nsecond line", caret: 4) },
    .editorRight: BindingCase(Given.typing) { $0.form.prompt = editor("hello world\nsecond line", caret: 6) },
    .editorUp: BindingCase(Given.typing) {
      $0.form.editing = false
      $0.form.focus = .model
    },
    .editorDown: BindingCase(Given.typing) { $0.form.prompt = editor("hello world\nsecond line", caret: 17) },
    .editorHome: BindingCase(Given.typing) { $0.form.prompt = editor("hello world\nsecond line", caret: 0) },
    .editorEnd: BindingCase(Given.typing) { $0.form.prompt = editor("hello world\nsecond line", caret: 11) },
    .editorWordLeft: BindingCase(Given.typing) { $0.form.prompt = editor("hello world\nsecond line", caret: 0) },
    .editorWordRight: BindingCase(Given.typing) { $0.form.prompt = editor("hello world\nsecond line", caret: 11) },
    .editorBackspace: BindingCase(Given.typing) {
      $0.form.prompt = editor("hell world\nsecond line", caret: 4)
      $0.form.touched = [.prompt]
    },
    .editorDelete: BindingCase(Given.typing) {
      $0.form.prompt = editor("helloworld\nsecond line", caret: 5)
      $0.form.touched = [.prompt]
    },
    .editorDeleteWord: BindingCase(Given.typing) {
      $0.form.prompt = editor(" world\nsecond line", caret: 0)
      $0.form.touched = [.prompt]
      $0.cutText = "hello"
    },
    .editorKillToStart: BindingCase(Given.typing) {
      $0.form.prompt = editor(" world\nsecond line", caret: 0)
      $0.form.touched = [.prompt]
      $0.cutText = "hello"
    },
    .editorKillToEnd: BindingCase(Given.typing) {
      $0.form.prompt = editor("hello\nsecond line", caret: 5)
      $0.form.touched = [.prompt]
      $0.cutText = " world"
    },
    .editorKillWordForward: BindingCase({
      var state = Given.typing()
      state.form.prompt = editor("hello world\nsecond line", caret: 0)
      return state
    }) {
      $0.form.prompt = editor(" world\nsecond line", caret: 0)
      $0.form.touched = [.prompt]
      $0.cutText = "hello"
    },
    .editorYank: BindingCase({
      var state = Given.typing()
      state.cutText = " big"
      return state
    }) {
      $0.form.prompt = editor("hello big world\nsecond line", caret: 9)
      $0.form.touched = [.prompt]
    },
    .undo: BindingCase(Given.typed) {
      $0.form.prompt = TextEditor(multiline: true)
      $0.notice = Notice("Undone")
    },
    .redo: BindingCase(Given.undone) {
      $0.form.prompt = TextEditor("hi", multiline: true)
      $0.notice = Notice("Redone")
    },
    .editorEnter: BindingCase(Given.typing) {
      $0.form.prompt = editor("hello\n world\nsecond line", caret: 6)
      $0.form.touched = [.prompt]
    },
    .editorDone: BindingCase(Given.typing) { $0.form.editing = false },
    // Tab completes only in the source field; in the prompt it moves on to the next pane.
    .completePath: BindingCase(Given.typing) {
      $0.focus = .queue
      $0.form.editing = false
    },
  ],
  .form: [
    .activate: BindingCase({ Given.form(.resolution) }) {
      $0.form.resolution = "480p"
      $0.form.touched = [.resolution]
    },
    .startEditing: BindingCase({ Given.form(.prompt) }) { $0.form.editing = true },
    .nextValue: BindingCase({ Given.form(.steps) }) {
      $0.form.steps = 32
      $0.form.touched = [.steps]
    },
    .previousValue: BindingCase({ Given.form(.frames) }) {
      $0.form.touched = [.frames]
      $0.notice = Notice("num_frames must be 96–192: set to 96", kind: .warning)
    },
    .randomSeed: BindingCase({ Given.form(.seed) { $0.seed = "42" } }) {
      $0.form.seed = ""
      $0.form.touched = [.seed]
      $0.notice = Notice("Seed: random")
    },
    .resetForm: BindingCase({ Given.form(.steps) { $0.prompt.setText("x") } }) {
      $0.form = FormState()
      $0.notice = Notice("Form reset to defaults (u undoes)")
    },
    .undo: BindingCase(Given.reset) {
      $0.form.prompt = TextEditor("x", multiline: true)
      $0.notice = Notice("Undone")
    },
    .redo: BindingCase({
      var state = Given.reset()
      _ = StudioReducer.update(&state, .command(.undo))
      return state
    }) {
      $0.form.prompt = TextEditor(multiline: true)
      $0.notice = Notice("Redone")
    },
  ],
  .queue: [
    .cancelJob: BindingCase({ Given.queue() }) {
      $0.dialog = Dialog(
        purpose: .cancelJob("j-run"), title: "Cancel job?", message: "Cancel j-run: a red fox running through snow")
    },
    .openJob: BindingCase({ Given.queue(selected: "j-done") }, effects: [.open("j-done")]) { _ in },
    .showJob: BindingCase({ Given.queue() }) {
      $0.overlay = .detail(id: "j-run", record: $0.queue.selected, scroll: 0)
    },
    .scrollLogUp: BindingCase({ Given.queue() }) { $0.queue.logs["j-run"]?.scrollBack = 2 },
    .scrollLogDown: BindingCase({
      var state = Given.queue()
      state.queue.logs["j-run"]?.scrollBack = 2
      return state
    }) { $0.queue.logs["j-run"]?.scrollBack = 0 },
    .toggleLogWrap: BindingCase({ Given.queue() }) {
      $0.queue.wrapLog = true
      $0.notice = Notice("Log lines wrap")
    },
    .toggleZoom: BindingCase({ Given.queue() }) { $0.zoomed = true },
  ],
  .history: [
    .showRecord: BindingCase({ Given.history() }, effects: [.loadRecord("h0")]) {
      $0.overlay = .detail(id: "h0", record: nil, scroll: 0)
      $0.pendingRecord = ("h0", .detail)
    },
    .openRecord: BindingCase({ Given.history() }, effects: [.open("h0")]) { _ in },
    .rerunRecord: BindingCase({ Given.history() }, effects: [.loadRecord("h0")]) { $0.pendingRecord = ("h0", .rerun) },
    .editRecord: BindingCase({ Given.history() }, effects: [.loadRecord("h0")]) { $0.pendingRecord = ("h0", .edit) },
    .extendRecord: BindingCase({ Given.history() }, effects: [.loadRecord("h0")]) {
      $0.pendingRecord = ("h0", .extend)
    },
    .copyURL: BindingCase({ Given.history() }, effects: [.loadRecord("h0")]) { $0.pendingRecord = ("h0", .copyURL) },
    .reuseSeed: BindingCase({ Given.history() }, effects: [.loadRecord("h0")]) {
      $0.pendingRecord = ("h0", .reuseSeed)
    },
    .deleteRecord: BindingCase({ Given.history() }) {
      $0.dialog = Dialog(
        purpose: .deleteRecord("h0"), title: "Delete from history?",
        message: "Delete h0: history item 0: a lighthouse at dusk, waves")
    },
    .cancelRecord: BindingCase({ Given.history() }) { $0.notice = Notice("Nothing to cancel: the job has ended") },
    .toggleMark: BindingCase({ Given.history() }) {
      $0.history.marked["h0"] = $0.history.items[0]
      $0.history.selected = 1
    },
    .clearMarks: BindingCase({
      var state = Given.history()
      state.history.marked["h1"] = state.history.items[1]
      return state
    }) { $0.history.marked = [:] },
    // The details open, and playback starts once the record is loaded.
    .playVideo: BindingCase({ Given.history() }, effects: [.loadRecord("h0")]) {
      $0.overlay = .detail(id: "h0", record: nil, scroll: 0)
      $0.pendingRecord = ("h0", .detail)
      $0.preview.playWhenShown = PreviewState.PlayRequest(id: "h0", fullScreen: false)
    },
    .playVideoFullScreen: BindingCase({ Given.history() }, effects: [.loadRecord("h0")]) {
      $0.overlay = .detail(id: "h0", record: nil, scroll: 0)
      $0.pendingRecord = ("h0", .detail)
      $0.preview.playWhenShown = PreviewState.PlayRequest(id: "h0", fullScreen: true)
    },
    .sortHistory: BindingCase({ Given.history() }) {
      $0.history.sort = .cost
      $0.notice = Notice("History by cost, dearest first (the 3 rows loaded)")
    },
    .expandBatch: BindingCase({ Given.batchHistory() }) { $0.history.expandedBatches = ["b1"] },
    // From a job of an open batch: the batch closes, and its row is selected.
    .collapseBatch: BindingCase({ Given.batchHistory(expanded: true, selected: 1) }) {
      $0.history.expandedBatches = []
      $0.history.selected = 0
      $0.history.onBatchRow = true
    },
  ],
  .navigation: [
    .moveDown: BindingCase({ Given.history(total: 500, selected: 5) }) { $0.history.selected = 6 },
    .moveUp: BindingCase({ Given.history(total: 500, selected: 5) }) { $0.history.selected = 4 },
    .moveTop: BindingCase({ Given.history(total: 500, selected: 5) }) { $0.history.selected = 0 },
    .moveBottom: BindingCase(
      { Given.history(total: 500, selected: 5) }, effects: [.loadHistory(HistoryQuery(offset: 450, limit: 50))]
    ) {
      $0.history.selected = 499
      $0.history.scrollTop = 492
      $0.history.loading = HistoryQuery(offset: 450, limit: 50)
    },
    .pageDown: BindingCase({ Given.history(total: 500, selected: 5) }) {
      $0.history.selected = 12
      $0.history.scrollTop = 5
    },
    .pageUp: BindingCase({ Given.history(total: 500, selected: 5) }) { $0.history.selected = 0 },
    .filterHistory: BindingCase({ Given.form(.mode) }) {
      $0.focus = .history
      $0.history.filterEditing = true
    },
    .showHelp: BindingCase({ Given.form(.mode) }) { $0.overlay = .help(scroll: 0) },
    .showPalette: BindingCase({ Given.form(.mode) }) {
      $0.overlay = .palette(CommandPalette(entries: StudioReducer.paletteEntries($0)))
    },
    .focusForm: BindingCase({ Given.history() }) { $0.focus = .form },
    .focusQueue: BindingCase({ Given.history() }) { $0.focus = .queue },
    .focusHistory: BindingCase({ Given.form(.mode) }) { $0.focus = .history },
    .cycleTheme: BindingCase({ Given.form(.mode) }, effects: [.cycleTheme]) { _ in },
    .showMessages: BindingCase({ Given.form(.mode) }) { $0.overlay = .messages(back: 0) },
    .quit: BindingCase({ Given.form(.mode) }, effects: [.quit]) { $0.quitting = true },
    .close: BindingCase(
      {
        var state = Given.history(total: 500, selected: 5)
        state.history.filter = TextEditor("cat")
        return state
      }, effects: [.loadHistory(firstPage)]
    ) {
      $0.history.filter = TextEditor()
      $0.history.selected = 0
      $0.history.loading = firstPage
    },
  ],
  .global: [
    .focusNext: BindingCase({ Given.form(.mode) }) { $0.focus = .queue },
    .focusPrevious: BindingCase({ Given.form(.mode) }) { $0.focus = .history },
    .showPalette: BindingCase({ Given.form(.mode) }) {
      $0.overlay = .palette(CommandPalette(entries: StudioReducer.paletteEntries($0)))
    },
    .redraw: BindingCase({ Given.form(.mode) }, effects: [.redraw]) { _ in },
    .submit: BindingCase(
      { Given.form(.mode) { $0.prompt.setText("a cat") } },
      effects: [
        .submit(
          MagiRequest(
            endpoint: MagiEndpoint(mode: .textToVideo), prompt: "a cat", numFrames: 96, resolution: "720p",
            numInferenceSteps: 16, enableSafetyChecker: true, aspectRatio: "auto"),
          source: nil, parentID: nil, webhook: nil)
      ]
    ) {
      $0.form.submitting = true
      $0.lastSubmit = AppState.SentRequest(
        request: MagiRequest(
          endpoint: MagiEndpoint(mode: .textToVideo), prompt: "a cat", numFrames: 96, resolution: "720p",
          numInferenceSteps: 16, enableSafetyChecker: true, aspectRatio: "auto"),
        source: nil, parentID: nil, at: Fixtures.now)
      $0.notice = Notice("Submitting to fal-ai/magi-distilled…")
    },
    .showHelp: BindingCase({ Given.form(.mode) }) { $0.overlay = .help(scroll: 0) },
    .cycleTheme: BindingCase({ Given.form(.mode) }, effects: [.cycleTheme]) { _ in },
    .quit: BindingCase({ Given.form(.mode) }, effects: [.quit]) { $0.quitting = true },
  ],
]

@Suite struct KeyMapTests {
  /// A binding added to the key map without an expectation here fails this test.
  @Test func everyBindingHasAnExpectation() {
    for binding in KeyMap.bindings {
      #expect(allBindingCases[binding.context]?[binding.command] != nil, "no test for \(binding)")
    }
  }

  @Test(arguments: KeyMap.bindings)
  func bindingDoesExactlyWhatItsCaseSays(_ binding: KeyBinding) {
    guard let testCase = allBindingCases[binding.context]?[binding.command] else { return }
    var state = testCase.given()
    var expected = state
    testCase.expect(&expected)
    let effects = StudioReducer.update(&state, .terminal(.key(binding.key)))
    // The undo history follows every change of the form; `FormUndoTests` checks it.
    expected.formUndo = state.formUndo
    #expect(effects == testCase.effects, "\(binding)")
    #expect(state == expected, "\(binding)\n\(differences(state, expected))")
  }

  @Test func noKeyIsBoundTwiceInOneContext() {
    var seen: Set<String> = []
    for binding in KeyMap.bindings {
      #expect(seen.insert("\(binding.context):\(binding.key)").inserted, "\(binding) is bound twice")
    }
  }

  @Test func helpListsEveryBinding() {
    for binding in KeyMap.bindings {
      let name = KeyMap.name(of: binding.key)
      #expect(
        HelpOverlay.lines.contains {
          $0.text == binding.command.title && $0.keys.split(separator: " ").contains(Substring(name))
        },
        "help lacks \(name) for \(binding.command)")
    }
  }

  @Test func paletteReachesEveryNamedCommand() {
    let reachable = Set(CommandPalette().matches)
    for command in Command.allCases where command.inPalette { #expect(reachable.contains(.command(command))) }
    #expect(CommandPalette(query: "xtnd").matches.first == .command(.extendRecord))
  }

  /// README's key list is the `?` screen's, generated from the key map: a binding added, removed or
  /// renamed fails this until README is regenerated (`SNAPSHOT_RECORD=1` rewrites it, and fails
  /// once so the change is never silent).
  @Test func readmeListsEveryKeyAsTheHelpScreenDoes() throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../README.md")
    let readme = try String(contentsOf: url, encoding: .utf8)
    let begin = "<!-- keys:begin -->\n"
    let end = "<!-- keys:end -->"
    let start = try #require(readme.range(of: begin), "README has no \(begin)")
    let stop = try #require(readme.range(of: end, range: start.upperBound..<readme.endIndex), "README has no \(end)")
    let listed = String(readme[start.upperBound..<stop.lowerBound])
    let generated = HelpOverlay.markdown + "\n"
    if ProcessInfo.processInfo.environment["SNAPSHOT_RECORD"] == "1" {
      guard listed != generated else { return }
      try (String(readme[..<start.upperBound]) + generated + String(readme[stop.lowerBound...])).write(
        to: url, atomically: true, encoding: .utf8)
      Issue.record("Rewrote README's key list; check it and run the tests again")
      return
    }
    #expect(
      listed == generated,
      "README's key list differs from the key map:\n\(lineDiff(expected: listed, actual: generated))")
  }
}
