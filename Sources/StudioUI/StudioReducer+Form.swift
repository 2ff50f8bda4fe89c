import FalProtocol
import HistoryModel

/// The form's half of `update`: typing, moving between fields, submitting, the server's answers.
extension StudioReducer {
  /// Which text a key edits right now.
  enum EditTarget: Equatable {
    case prompt
    case source
    case webhook
    case variations
    /// Frames, Seed or Start frame, typed as digits.
    case number(FormField)
    case filter
    case palette
  }

  static func editTarget(_ state: AppState) -> EditTarget? {
    if case .palette = state.overlay { return .palette }
    guard state.isTyping else { return nil }
    switch state.focus {
    case .form:
      let field = state.form.focus
      if field == .webhook { return .webhook }
      if field == .variations { return .variations }
      return field == .prompt ? .prompt : field.isNumber ? .number(field) : .source
    case .history: return .filter
    case .queue: return nil
    }
  }

  /// Applies `edit` to the text being typed; a change of text clears stale messages, resets path
  /// completion, or re-runs the history filter. A number field takes the edit only when it leaves
  /// digits within the field's range (else a message says why not).
  /// - Parameter inserting: the edit types text (which replaces a number just entered).
  static func editText(_ state: inout AppState, inserting: Bool = false, _ edit: (inout TextEditor) -> Void) -> [Effect]
  {
    guard let target = editTarget(state) else { return [] }
    switch target {
    case .number(let field):
      if let refusal = state.form.editNumber(field, insertion: inserting, edit) {
        state.notice = Notice(refusal, kind: .warning)
      }
    case .prompt:
      let before = state.form.prompt.text
      edit(&state.form.prompt)
      if state.form.prompt.text != before { state.form.markChanged(.prompt) }
    case .source:
      let before = state.form.source.text
      edit(&state.form.source)
      if state.form.source.text != before {
        state.form.markChanged(.source)
        state.form.completions = []
        state.form.sourceComplete = false
      }
    case .webhook:
      let before = state.form.webhook.text
      edit(&state.form.webhook)
      if state.form.webhook.text != before { state.form.markChanged(.webhook) }
    case .variations:
      let before = state.form.variations.text
      edit(&state.form.variations)
      if state.form.variations.text != before { state.form.markChanged(.variations) }
    case .filter:
      let before = state.history.filter.text
      edit(&state.history.filter)
      if state.history.filter.text != before { return filterChanged(&state) }
    case .palette:
      guard case .palette(var palette) = state.overlay else { return [] }
      let before = palette.query.text
      edit(&palette.query)
      if palette.query.text != before { palette.selected = 0 }
      state.overlay = .palette(palette)
    }
    return []
  }

  /// Cuts with `cut` (Ctrl-U, Ctrl-K, Ctrl-W, Alt-d), keeping what it cut for Ctrl-Y.
  static func cut(_ state: inout AppState, _ cut: (inout TextEditor) -> String) -> [Effect] {
    var removed = ""
    let effects = editText(&state) { removed = cut(&$0) }
    if !removed.isEmpty { state.cutText = removed }
    return effects
  }

  /// `u`/`U` in the form, Ctrl-_/Alt-_ while typing in it: one step back or forward in the
  /// form's undo history (which holds Ctrl-R, records loaded into the form, and typing).
  static func undo(redo: Bool, _ state: inout AppState) -> [Effect] {
    guard state.focus == .form, state.overlay == nil else {
      state.notice = Notice("Undo works in the form")
      return []
    }
    let values = state.form.values
    guard let restored = redo ? state.formUndo.redo(from: values) : state.formUndo.undo(from: values) else {
      state.notice = Notice(redo ? "Nothing to redo" : "Nothing to undo")
      return []
    }
    state.form.values = restored
    state.form.serverErrors = [:]
    state.form.generalError = nil
    state.notice = Notice(redo ? "Redone" : "Undone")
    return []
  }

  static func editorVertical(up: Bool, _ state: inout AppState) -> [Effect] {
    guard let target = editTarget(state) else { return [] }
    if target == .prompt {
      let moved = up ? state.form.prompt.moveUp() : state.form.prompt.moveDown()
      if moved { return [] }
    }
    switch target {
    case .prompt, .source, .webhook, .variations, .number: break
    case .filter, .palette: return []
    }
    if let message = state.form.clamp(state.form.focus) { state.notice = Notice(message, kind: .warning) }
    // Past the first or last line: on to the neighbouring field, as in any form.
    state.form.editing = false
    state.form.focus = neighbour(of: state.form.focus, by: up ? -1 : 1, in: state.form.visibleFields)
    return []
  }

  static func editorEnter(_ state: inout AppState) -> [Effect] {
    switch editTarget(state) {
    case .prompt:
      return editText(&state) { $0.insert("\n") }
    case .source, .webhook, .variations:
      let field = state.form.focus
      state.form.editing = false
      state.form.completions = []
      state.form.focus = neighbour(of: field, by: 1, in: state.form.visibleFields)
      return []
    case .number(let field):
      // Enter takes the number: clamped into range, back to NORMAL mode on the same field.
      if let message = state.form.clamp(field) { state.notice = Notice(message, kind: .warning) }
      state.form.editing = false
      return []
    case .filter:
      state.history.filterEditing = false
      filterErrors(&state)
      return []
    case .palette, nil:
      return []
    }
  }

  static func editorDone(_ state: inout AppState) -> [Effect] {
    switch editTarget(state) {
    case .prompt, .source, .webhook, .variations:
      state.form.editing = false
      state.form.completions = []
      return []
    case .number(let field):
      if let message = state.form.clamp(field) { state.notice = Notice(message, kind: .warning) }
      state.form.editing = false
      return []
    case .filter:
      // Esc abandons the filter; Enter keeps it.
      state.history.filterEditing = false
      guard !state.history.filter.isEmpty else { return [] }
      state.history.filter = TextEditor()
      return filterChanged(&state)
    case .palette, nil:
      return []
    }
  }

  /// Tab in the source field completes a local path; anywhere else (or once the path is complete,
  /// or for a URL) it moves to the next pane as usual.
  static func completePath(_ state: inout AppState) -> [Effect] {
    let text = state.form.source.text
    if editTarget(state) == .source, !text.isEmpty, !text.contains("://"), !state.form.sourceComplete {
      return [.completePath(text)]
    }
    return run(.focusNext, &state)
  }

  static func pathCompletions(prefix: String, _ paths: [String], _ state: inout AppState) {
    // The user typed on while the disk was read: this answer is for an older prefix.
    guard prefix == state.form.source.text else { return }
    switch paths.count {
    case 0:
      state.form.completions = []
      state.notice = Notice("No file matches \(prefix)", kind: .warning)
    case 1:
      state.form.source.setText(paths[0])
      state.form.completions = []
      state.form.sourceComplete = !paths[0].hasSuffix("/")
      state.form.markChanged(.source)
    default:
      let common = commonPrefix(paths)
      if common.count > prefix.count { state.form.source.setText(common) }
      state.form.completions = paths.sorted()
      state.form.sourceComplete = false
      state.form.markChanged(.source)
    }
  }

  static func commonPrefix(_ strings: [String]) -> String {
    guard var prefix = strings.first.map(Array.init) else { return "" }
    for string in strings.dropFirst() {
      let characters = Array(string)
      var length = 0
      while length < min(prefix.count, characters.count), prefix[length] == characters[length] { length += 1 }
      prefix = Array(prefix[..<length])
    }
    return String(prefix)
  }

  /// Enter on a form field: type in a text field, press the button, step an enumerated value.
  static func activate(_ state: inout AppState) -> [Effect] {
    if case .palette(let palette) = state.overlay {
      let matches = palette.matches
      state.overlay = nil
      guard matches.indices.contains(palette.selected) else { return [] }
      return run(matches[palette.selected], &state)
    }
    guard state.focus == .form else { return [] }
    let field = state.form.focus
    if field.isText || field.isNumber {
      startEditing(&state)
      return []
    }
    if field == .submit { return submit(&state) }
    if let message = state.form.cycle(field, by: 1) { state.notice = Notice(message, kind: .warning) }
    return []
  }

  /// Validates with the server's own rules and, when the request is clean, asks for a submit.
  static func submit(_ state: inout AppState) -> [Effect] {
    if let message = state.form.clamp(state.form.focus) { state.notice = Notice(message, kind: .warning) }
    guard !state.form.submitting else {
      state.notice = Notice("Already submitting…")
      return []
    }
    let errors = state.form.validationErrors
    guard errors.isEmpty else {
      state.form.showAllErrors = true
      let first = state.form.visibleFields.first { errors[$0] != nil } ?? .prompt
      state.focus = .form
      state.form.focus = first
      state.form.editing = false
      state.notice = Notice(
        "Fix \(errors.count) field\(errors.count == 1 ? "" : "s") before submitting: \(first.label.lowercased()) — \(errors[first] ?? "")",
        kind: .error)
      return []
    }
    var request = state.form.request
    let source = state.form.mediaInput
    if case .url(let url)? = source { request.sourceURL = url }
    let parentID = state.form.parentID
    if state.form.jobCount > 1 {
      return askBatch(request, source: source, parentID: parentID, &state)
    }
    // One job still goes through the expansion: `{dawn}` loses its braces, `seed-list=7` sets the seed.
    if let only = try? state.form.requests(from: request), only.count == 1 {
      request = only[0]
      // `seeds=1` is one job with a random seed, which an absent seed is.
      if case .success(let batch) = state.form.batch, case .random = batch.variations.seeds { request.seed = nil }
    }
    if let problem = budgetProblem(cost: spendOf([request], state.settings), state) {
      state.dialog = Dialog(
        purpose: .submit(request, source: source, parentID: parentID), title: "Over budget: submit anyway?",
        message: "\(priceLine(request, state.settings)). \(problem)")
      return []
    }
    if let last = state.lastSubmit, last.request == request, last.source == source, last.parentID == parentID,
      state.now.timeIntervalSince(last.at) < AppState.repeatSubmitWindow
    {
      let seconds = max(0, Int(state.now.timeIntervalSince(last.at)))
      state.dialog = Dialog(
        purpose: .submit(request, source: source, parentID: parentID), title: "Send the same request again?",
        message: "This exact request was sent \(seconds) s ago. Again: \(priceLine(request, state.settings)).")
      return []
    }
    return send(request, source: source, parentID: parentID, &state)
  }

  /// Sends the form's request (checked, and confirmed when it had to be).
  static func send(_ request: MagiRequest, source: MediaInput?, parentID: String?, _ state: inout AppState) -> [Effect]
  {
    state.form.submitting = true
    state.form.generalError = nil
    state.lastSubmit = AppState.SentRequest(request: request, source: source, parentID: parentID, at: state.now)
    state.notice = Notice("Submitting to \(request.endpoint.id.full)…")
    return [.submit(request, source: source, parentID: parentID, webhook: state.form.webhookURL)]
  }

  /// Ctrl-S on the form's variations: one question with the number of jobs and their price (and
  /// the budget they would pass, if any), answered once for the whole batch.
  static func askBatch(_ base: MagiRequest, source: MediaInput?, parentID: String?, _ state: inout AppState)
    -> [Effect]
  {
    let requests: [MagiRequest]
    do { requests = try state.form.requests(from: base) } catch {
      state.notice = Notice("Cannot expand the variations: \(error.message)", kind: .error)
      return []
    }
    var drawsSeeds = false
    if case .success(let batch) = state.form.batch, case .random = batch.variations.seeds { drawsSeeds = true }
    let batch = BatchSubmission(
      requests: requests, drawsSeeds: drawsSeeds, source: source, parentID: parentID, webhook: state.form.webhookURL)
    let cost = spendOf(requests, state.settings)
    var message =
      "\(count(requests.count, "job")) to \(base.endpoint.id.full), \(Format.units(cost.units)) units ≈ \(Format.price(cost.dollars)) in all, at most \(BatchSubmission.maxParallel) at once."
    var title = "Submit \(count(requests.count, "job"))?"
    if !state.online { message += " Offline twin: nothing is billed." }
    if let problem = budgetProblem(cost: cost, state) {
      message += " \(problem)"
      title = "Over budget: submit \(count(requests.count, "job")) anyway?"
    }
    state.dialog = Dialog(purpose: .submitBatch(batch), title: title, message: message)
    return []
  }

  /// Sends a batch the user agreed to.
  static func sendBatch(_ batch: BatchSubmission, _ state: inout AppState) -> [Effect] {
    state.form.submitting = true
    state.form.generalError = nil
    state.notice = Notice("Submitting \(count(batch.requests.count, "job")) as one batch…")
    return queueBatch(batch, &state)
  }

  /// The effect that sends `batch`, its jobs counted as unsent until the runtime takes each
  /// (``Action/batchJobsDequeued(_:)``).
  static func queueBatch(_ batch: BatchSubmission, _ state: inout AppState) -> [Effect] {
    state.unsentBatchJobs += batch.requests.count
    state.unsentBatchSpend = state.unsentBatchSpend + spendOf(batch.requests, state.settings)
    return [.submitBatch(batch)]
  }

  /// The dollars (at the settings' prices) and units `requests` are estimated at.
  static func spendOf(_ requests: [MagiRequest], _ settings: Settings) -> Spend {
    Budget.estimate(requests, pricePerUnit: settings.price(for:))
  }

  /// Why `cost` more would pass config.toml's `[budget]` (with the figures), as a sentence; nil
  /// when it fits, no budget is set or the studio runs offline. Today's spend counts once it is
  /// known (``AppState/spentToday``).
  static func budgetProblem(cost: Spend, _ state: AppState) -> String? {
    // The offline twin bills nothing: no budget to pass.
    guard state.online else { return nil }
    // A batch's jobs not sent yet will be: they count as spent.
    let spent = (state.spentToday ?? .zero) + state.unsentBatchSpend
    guard let refusal = state.settings.budget.check(cost: cost, spentToday: spent) else { return nil }
    return "Budget: \(refusal)."
  }

  /// What a request costs, as the confirmations say it: "fal-ai/magi · 4 units ≈ $0.32".
  static func priceLine(_ request: MagiRequest, _ settings: Settings) -> String {
    let units = MagiSchema.billingUnits(
      numFrames: request.numFrames ?? MagiSchema.defaultFrames,
      resolution: request.resolution ?? MagiSchema.defaultResolution,
      numInferenceSteps: request.numInferenceSteps ?? MagiSchema.defaultSteps)
    let price = units * settings.price(for: request.endpoint.model)
    return "\(request.endpoint.id.full), \(Format.units(units)) units ≈ \(Format.price(price))"
  }

  // MARK: - Palette

  /// What the palette offers, as the studio is now: the commands, then `theme NAME` for each
  /// theme, `mode …` for each mode, and `go to job ID` for each job in the queue.
  static func paletteEntries(_ state: AppState) -> [PaletteEntry] {
    CommandPalette.commands + state.themeNames.map(PaletteEntry.theme) + MagiMode.allCases.map(PaletteEntry.mode)
      + state.queue.jobs.map { .goToJob($0.id) }
  }

  static func run(_ entry: PaletteEntry, _ state: inout AppState) -> [Effect] {
    switch entry {
    case .command(let command):
      return run(command, &state)
    case .theme(let name):
      return [.setTheme(name)]
    case .mode(let mode):
      leaveFocus(&state, to: .form)
      state.focus = .form
      state.form.editing = false
      guard state.form.mode != mode else { return [] }
      state.form.mode = mode
      state.form.completions = []
      state.form.markChanged(.mode)
      if !state.form.visibleFields.contains(state.form.focus) { state.form.focus = .mode }
      state.notice = Notice("Mode: \(mode.title)")
      return []
    case .goToJob(let id):
      return goToJob(id, &state)
    }
  }

  /// Selects the job `id` names (its whole id, a prefix or the end of it, as the queue shows it):
  /// in the queue when it is there, else among the history rows loaded.
  static func goToJob(_ id: String, _ state: inout AppState) -> [Effect] {
    func named(_ candidate: String) -> Bool { candidate == id || candidate.hasPrefix(id) || candidate.hasSuffix(id) }
    if let job = state.queue.jobs.first(where: { $0.id == id }) ?? state.queue.jobs.first(where: { named($0.id) }) {
      leaveFocus(&state, to: .queue)
      state.focus = .queue
      state.queue.selectedID = job.id
      return []
    }
    if let row = state.history.items.firstIndex(where: { named($0.id) }) {
      leaveFocus(&state, to: .history)
      state.focus = .history
      return moveHistorySelection(to: state.history.windowStart + row, &state)
    }
    state.notice = Notice("No job \(id) in the queue or the history shown", kind: .warning)
    return []
  }

  /// A refused submit: field errors land on the fields they name, the rest above the form.
  static func submitFailed(_ failure: SubmitFailure, _ state: inout AppState) {
    state.form.submitting = false
    switch failure {
    case .message(let message):
      state.form.generalError = message
      state.notice = Notice("Submit failed: \(message)", kind: .error)
    case .outcomeUnknown:
      // Short enough for the form's width at 80 columns and the message line; the record (in the
      // queue as `unknown`) holds the whole story in its details.
      state.form.generalError = "Reply lost; not sent again"
      state.notice = Notice("Not sent again: the submit may have reached fal; its reply was lost", kind: .warning)
    case .fields(let errors):
      var general: [String] = []
      for error in errors {
        if let field = FormField(inputKey: error.field), state.form.visibleFields.contains(field) {
          if state.form.serverErrors[field] == nil { state.form.serverErrors[field] = error.msg }
        } else {
          general.append(error.description)
        }
      }
      state.form.generalError = general.isEmpty ? nil : general.joined(separator: "; ")
      if let first = state.form.visibleFields.first(where: { state.form.serverErrors[$0] != nil }) {
        state.focus = .form
        state.form.focus = first
        state.form.editing = false
      }
      state.notice = Notice(
        "The server refused \(errors.count) field\(errors.count == 1 ? "" : "s"); see the form", kind: .error)
    }
  }

  /// Up, down, top, bottom and pages: in the overlay when one is open, else in the focused pane.
  static func move(_ command: Command, _ state: inout AppState) -> [Effect] {
    let layout = Layout(width: state.width, height: state.height)
    switch state.overlay {
    case .help(let scroll):
      let page = max(1, state.height - 6)
      let delta = delta(for: command, page: page, current: scroll, count: HelpOverlay.lineCount)
      state.overlay = .help(scroll: max(0, min(scroll + delta, max(0, HelpOverlay.lineCount - 1))))
      return []
    case .palette(var palette):
      let count = palette.matches.count
      palette.selected = ListView.move(
        palette.selected, by: delta(for: command, page: 5, current: palette.selected, count: count), count: count)
      state.overlay = .palette(palette)
      return []
    case .detail(let id, let record, let scroll):
      let delta = delta(for: command, page: max(1, state.height - 8), current: scroll, count: 200)
      state.overlay = .detail(id: id, record: record, scroll: max(0, min(scroll + delta, 200)))
      return []
    case .messages(let back):
      // Counted from the newest line: down moves towards it.
      let count = MessagesView.lineCount(state)
      let page = max(1, state.height - 4)
      let delta: Int
      switch command {
      case .moveTop: delta = count
      case .moveBottom: delta = -count
      default: delta = -self.delta(for: command, page: page, current: 0, count: count)
      }
      state.overlay = .messages(back: max(0, min(back + delta, max(0, count - 1))))
      return []
    case .compare:
      return compareCommand(command, &state)
    case nil:
      break
    }
    switch state.focus {
    case .form:
      let fields = state.form.visibleFields
      let index = fields.firstIndex(of: state.form.focus) ?? 0
      if let message = state.form.clamp(state.form.focus) { state.notice = Notice(message, kind: .warning) }
      let target = ListView.move(
        index, by: delta(for: command, page: 5, current: index, count: fields.count), count: fields.count)
      state.form.focus = fields[target]
      state.form.editing = false
      state.form.completions = []
      return []
    case .queue:
      let index = state.queue.selectedIndex ?? 0
      moveQueueSelection(
        by: delta(
          for: command, page: max(1, layout.queueList.height - 1), current: index, count: state.queue.jobs.count),
        &state)
      state.queue.pinned = true
      return []
    case .history:
      if command == .moveDown || command == .moveUp {
        // One line at a time: into a batch row, over a collapsed batch's jobs.
        let step = state.history.step(down: command == .moveDown)
        return moveHistorySelection(to: step.row, onBatch: step.onBatch, &state)
      }
      let delta = delta(
        for: command, page: max(1, layout.historyList.height - 1), current: state.history.selected,
        count: state.history.total)
      // A jump onto a batch's newest job lands on its batch row, above it.
      let target = state.history.selected + delta
      let onBatch = state.history.batchGroup(atRow: target)?.rows.lowerBound == target
      return moveHistorySelection(to: target, onBatch: onBatch, &state)
    }
  }

  /// How far a motion command moves from `current` in a list of `count`.
  static func delta(for command: Command, page: Int, current: Int, count: Int) -> Int {
    switch command {
    case .moveDown: 1
    case .moveUp: -1
    case .pageDown: page
    case .pageUp: -page
    case .moveTop: -current
    case .moveBottom: max(0, count - 1) - current
    default: 0
    }
  }
}
