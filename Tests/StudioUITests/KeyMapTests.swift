import FalProtocol
import HistoryModel
@testable import StudioUI
import TerminalScreen
import Testing

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
  for (index, child) in left.enumerated() where String(describing: child.value) != String(describing: right[index].value) {
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
    state.form.prompt = editor("hello world\nsecond line", caret: 5)
    return state
  }

  static func history(total: Int = 3, loaded: Int = 50, selected: Int = 0) -> AppState {
    var state = Fixtures.withHistory(total: total, loaded: loaded)
    state.form.editing = false
    state.focus = .history
    state.history.selected = selected
    return state
  }

  static let finished = Fixtures.record(
    "h0", .completed, prompt: "history item 0: a lighthouse at dusk, waves", createdSecondsAgo: 600,
    runningSecondsAgo: 560, finishedSecondsAgo: 420, seed: 777, url: "https://v3.fal.media/files/h0.mp4",
    localPath: "/videos/h0.mp4")

  static func detail() -> AppState {
    var state = history()
    state.overlay = .detail(id: "h0", record: finished, scroll: 2)
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
  ],
  .detail: [
    .close: BindingCase(Given.detail) { $0.overlay = nil },
    .moveDown: BindingCase(Given.detail) { $0.overlay = .detail(id: "h0", record: Given.finished, scroll: 3) },
    .moveUp: BindingCase(Given.detail) { $0.overlay = .detail(id: "h0", record: Given.finished, scroll: 1) },
    .openRecord: BindingCase(Given.detail, effects: [.open("h0")]) { _ in },
    .rerunRecord: BindingCase(
      Given.detail,
      effects: [
        .submit(
          MagiRequest(
            endpoint: MagiEndpoint(mode: .textToVideo), prompt: "history item 0: a lighthouse at dusk, waves",
            numFrames: 96, resolution: "720p", numInferenceSteps: 16, enableSafetyChecker: true, aspectRatio: "auto"),
          source: nil, parentID: nil)
      ]
    ) { $0.notice = Notice("Re-running h0 as it was") },
    .editRecord: BindingCase(Given.detail) {
      $0.overlay = nil
      $0.focus = .form
      $0.form.prompt = TextEditor("history item 0: a lighthouse at dusk, waves", multiline: true)
      $0.form.seed = "777"
      $0.form.editing = false
      $0.notice = Notice("Loaded h0 into the form")
    },
    .extendRecord: BindingCase(Given.detail) {
      $0.overlay = nil
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
      $0.notice = Notice("Copied the video URL of h0", kind: .success)
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
    },
    .editorEnter: BindingCase(Given.typing) {
      $0.form.prompt = editor("hello\n world\nsecond line", caret: 6)
      $0.form.touched = [.prompt]
    },
    .editorDone: BindingCase(Given.typing) { $0.form.editing = false },
    // Tab completes only in the source field; in the prompt it moves on to the next pane.
    .completePath: BindingCase(Given.typing) { $0.focus = .queue },
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
      $0.notice = Notice("Form reset to defaults")
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
    .showPalette: BindingCase({ Given.form(.mode) }) { $0.overlay = .palette(CommandPalette()) },
    .focusForm: BindingCase({ Given.history() }) { $0.focus = .form },
    .focusQueue: BindingCase({ Given.history() }) { $0.focus = .queue },
    .focusHistory: BindingCase({ Given.form(.mode) }) { $0.focus = .history },
    .cycleTheme: BindingCase({ Given.form(.mode) }, effects: [.cycleTheme]) { _ in },
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
    .showPalette: BindingCase({ Given.form(.mode) }) { $0.overlay = .palette(CommandPalette()) },
    .submit: BindingCase(
      { Given.form(.mode) { $0.prompt.setText("a cat") } },
      effects: [
        .submit(
          MagiRequest(
            endpoint: MagiEndpoint(mode: .textToVideo), prompt: "a cat", numFrames: 96, resolution: "720p",
            numInferenceSteps: 16, enableSafetyChecker: true, aspectRatio: "auto"),
          source: nil, parentID: nil)
      ]
    ) {
      $0.form.submitting = true
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
      #expect(bindingCases[binding.context]?[binding.command] != nil, "no test for \(binding)")
    }
  }

  @Test(arguments: KeyMap.bindings)
  func bindingDoesExactlyWhatItsCaseSays(_ binding: KeyBinding) {
    guard let testCase = bindingCases[binding.context]?[binding.command] else { return }
    var state = testCase.given()
    var expected = state
    testCase.expect(&expected)
    let effects = Studio.update(&state, .terminal(.key(binding.key)))
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
        HelpOverlay.lines.contains { $0.text == binding.command.title && $0.keys.split(separator: " ").contains(Substring(name)) },
        "help lacks \(name) for \(binding.command)")
    }
  }

  @Test func paletteReachesEveryNamedCommand() {
    let reachable = Set(CommandPalette().matches)
    for command in Command.allCases where command.inPalette { #expect(reachable.contains(command)) }
    #expect(CommandPalette(query: "xtnd").matches.first == .extendRecord)
  }
}
