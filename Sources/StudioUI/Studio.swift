#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import FalProtocol
import HistoryModel
import TerminalScreen

/// The studio's behaviour: `update` turns the current state and one action into the next state
/// and the effects to perform. Pure (no I/O, no clock, no randomness), so every key and every
/// event from the network can be tested by value.
public enum Studio {
  public static func update(_ state: inout AppState, _ action: Action) -> [Effect] {
    let effects: [Effect]
    switch action {
    case .terminal(let event):
      effects = handle(event, &state)
    case .command(let command):
      if case .palette = state.overlay { state.overlay = nil }
      effects = run(command, &state)
    case .launched:
      effects = reloadHistory(&state, offset: 0)
    case .interrupt:
      if state.dialog?.purpose == .quit {
        effects = answer(.confirmYes, &state)
      } else {
        state.dialog = nil
        state.overlay = nil
        effects = run(.quit, &state)
      }
    case .tick(let date):
      state.now = date
      effects = []
    case .notice(let text):
      state.notice = Notice(text)
      effects = []
    case .backend(let online, let label):
      state.online = online
      state.backendLabel = label
      effects = []
    case .jobUpdated(let record):
      effects = jobUpdated(record, &state)
    case .jobLogs(let id, let entries):
      state.queue.logs[id, default: LogBuffer(limit: state.settings.logLimit)].append(entries)
      effects = []
    case .jobConnection(let id, let trouble):
      let active = state.queue.jobs.first { $0.id == id }.map { !$0.status.isFinal } ?? true
      state.queue.connection[id] = trouble.flatMap { trouble in
        active ? ConnectionLoss(trouble, now: state.now) : nil
      }
      effects = []
    case .transfer(let id, let progress):
      state.queue.transfers[id] = progress
      effects = []
    case .submitted(let record):
      state.form.submitting = false
      state.form.generalError = nil
      state.form.serverErrors = [:]
      state.form.showAllErrors = false
      state.notice = Notice("Submitted \(record.id) (\(record.endpointID))", kind: .success)
      _ = jobUpdated(record, &state)
      state.queue.selectedID = record.id
      effects = reloadHistory(&state, offset: state.history.windowStart)
    case .submitFailed(let failure):
      submitFailed(failure, &state)
      effects = []
    case .pathCompletions(let prefix, let paths):
      pathCompletions(prefix: prefix, paths, &state)
      effects = []
    case .historyPage(let page, let query):
      effects = historyPage(page, for: query, &state)
    case .historyChanged:
      effects = historyChanged(&state)
    case .recordLoaded(let record):
      effects = recordLoaded(record, &state)
    case .recordDeleted(let id):
      effects = recordDeleted(id, &state)
    case .recordMissing(let id, let message):
      if state.pendingRecord?.id == id { state.pendingRecord = nil }
      if case .detail(id, _, _) = state.overlay { state.overlay = nil }
      state.notice = Notice(message, kind: .error)
      effects = []
    case .themeChanged(let name):
      state.themeName = name
      state.notice = Notice("Theme: \(name)")
      effects = []
    }
    keepSelectionsVisible(&state)
    return effects
  }

  // MARK: - Terminal events

  static func handle(_ event: TerminalEvent, _ state: inout AppState) -> [Effect] {
    switch event {
    case .key(let key):
      return handle(key, &state)
    case .mouse(let mouse):
      return handle(mouse, &state)
    case .resized(let width, let height):
      state.width = max(0, width)
      state.height = max(0, height)
      return []
    case .focus(let focused):
      state.terminalFocused = focused
      return []
    }
  }

  /// The contexts a key is looked up in, innermost first.
  static func contexts(_ state: AppState) -> [KeyContext] {
    if state.dialog != nil { return [.dialog] }
    switch state.overlay {
    case .help: return [.help, .global]
    case .palette: return [.palette]
    case .detail: return [.detail, .global]
    case nil: break
    }
    if state.isTyping { return [.editor, .global] }
    switch state.focus {
    case .form: return [.form, .navigation, .global]
    case .queue: return [.queue, .navigation, .global]
    case .history: return [.history, .navigation, .global]
    }
  }

  static func handle(_ key: Key, _ state: inout AppState) -> [Effect] {
    if state.isTooSmall {
      // Nothing else is on screen to act on; quitting must still work.
      switch key {
      case .ctrl("q"), .ctrl("c"), .character("q"): return run(.quit, &state)
      default: return []
      }
    }
    for context in contexts(state) {
      if let command = KeyMap.command(for: key, in: context) { return run(command, &state) }
    }
    return typed(key, &state)
  }

  /// Keys no binding claims: text for whatever is being typed, digits for number fields.
  static func typed(_ key: Key, _ state: inout AppState) -> [Effect] {
    let text: String
    switch key {
    case .character(let character): text = String(character)
    case .paste(let pasted): text = pasted
    default: return []
    }
    if state.dialog != nil { return [] }
    if state.isTyping { return editText(&state) { $0.insert(text) } }
    guard state.overlay == nil, state.focus == .form else { return [] }
    let field = state.form.focus
    if field.isText {
      if case .paste = key {
        state.form.editing = true
        return editText(&state) { $0.insert(text) }
      }
      state.notice = Notice("Press Enter or i to edit the \(field.label.lowercased())")
      return []
    }
    if field.isNumber {
      let digits = text.filter(\.isASCII).filter(\.isNumber)
      guard !digits.isEmpty else { return [] }
      switch field {
      case .frames: state.form.frames = String((state.form.frames + digits).prefix(6))
      case .seed: state.form.seed = String((state.form.seed + digits).prefix(19))
      case .startFrame: state.form.startFrame = String((state.form.startFrame + digits).prefix(9))
      default: break
      }
      state.form.markChanged(field)
    }
    return []
  }

  static func handle(_ mouse: MouseEvent, _ state: inout AppState) -> [Effect] {
    guard !state.isTooSmall, state.dialog == nil else { return [] }
    let layout = Layout(width: state.width, height: state.height)
    switch state.overlay {
    case .help, .detail:
      switch mouse.kind {
      case .scrollUp: return run(.moveUp, &state)
      case .scrollDown: return run(.moveDown, &state)
      default: return []
      }
    case .palette:
      return []
    case nil:
      break
    }
    guard let pane = layout.pane(atX: mouse.x, y: mouse.y) else { return [] }
    switch mouse.kind {
    case .release:
      return []
    case .scrollUp, .scrollDown:
      let delta = mouse.kind == .scrollUp ? -3 : 3
      switch pane {
      case .form:
        state.form.focus = neighbour(of: state.form.focus, by: delta > 0 ? 1 : -1, in: state.form.visibleFields)
        return []
      case .queue:
        if layout.queueLog.contains(x: mouse.x, y: mouse.y), let id = state.queue.selectedID {
          state.queue.logs[id, default: LogBuffer(limit: state.settings.logLimit)].scroll(by: -delta)
          return []
        }
        moveQueueSelection(by: delta, &state)
        return []
      case .history:
        return moveHistorySelection(to: state.history.selected + delta, &state)
      }
    case .press:
      leaveFocus(&state, to: pane)
      state.focus = pane
      switch pane {
      case .form:
        let form = FormLayout(state.form, in: layout.form.inset(by: 1))
        if let field = form.field(atY: mouse.y) {
          state.form.focus = field
          if field.isText { state.form.editing = true }
          if field == .submit { return run(.submit, &state) }
        }
        return []
      case .queue:
        let row = mouse.y - layout.queueList.y + state.queue.scrollTop
        if layout.queueList.contains(x: mouse.x, y: mouse.y), state.queue.jobs.indices.contains(row) {
          state.queue.selectedID = state.queue.jobs[row].id
        }
        return []
      case .history:
        if mouse.y == layout.historyList.y - 1 {
          return run(.filterHistory, &state)
        }
        let row = mouse.y - layout.historyList.y + state.history.scrollTop
        if layout.historyList.contains(x: mouse.x, y: mouse.y), row < state.history.total {
          return moveHistorySelection(to: row, &state)
        }
        return []
      }
    }
  }

  // MARK: - Commands

  static func run(_ command: Command, _ state: inout AppState) -> [Effect] {
    switch command {
    case .focusNext, .focusPrevious:
      let panes = Pane.allCases
      let index = panes.firstIndex(of: state.focus) ?? 0
      let next = panes[(index + (command == .focusNext ? 1 : panes.count - 1)) % panes.count]
      leaveFocus(&state, to: next)
      state.focus = next
      return []
    case .focusForm, .focusQueue, .focusHistory:
      let pane: Pane = command == .focusForm ? .form : command == .focusQueue ? .queue : .history
      leaveFocus(&state, to: pane)
      state.focus = pane
      return []
    case .showHelp:
      state.overlay = .help(scroll: 0)
      return []
    case .showPalette:
      state.overlay = .palette(CommandPalette())
      return []
    case .cycleTheme:
      return [.cycleTheme]
    case .quit:
      if let dialog = Dialog.quit(jobs: state.queue.jobs, online: state.online) {
        state.dialog = dialog
        return []
      }
      state.quitting = true
      return [.quit]
    case .close:
      return close(&state)

    case .moveDown, .moveUp, .moveTop, .moveBottom, .pageDown, .pageUp:
      return move(command, &state)

    case .submit:
      return submit(&state)
    case .activate:
      return activate(&state)
    case .startEditing:
      if state.focus == .form, state.form.focus.isText { state.form.editing = true }
      return []
    case .nextValue, .previousValue:
      guard state.focus == .form else { return [] }
      if let message = state.form.cycle(state.form.focus, by: command == .nextValue ? 1 : -1) {
        state.notice = Notice(message, kind: .warning)
      }
      return []
    case .randomSeed:
      state.form.seed = ""
      state.form.markChanged(.seed)
      state.notice = Notice("Seed: random")
      return []
    case .resetForm:
      state.form = FormState()
      state.notice = Notice("Form reset to defaults")
      return []

    case .editorLeft: return editText(&state) { $0.moveLeft() }
    case .editorRight: return editText(&state) { $0.moveRight() }
    case .editorHome: return editText(&state) { $0.moveHome() }
    case .editorEnd: return editText(&state) { $0.moveEnd() }
    case .editorWordLeft: return editText(&state) { $0.moveWordLeft() }
    case .editorWordRight: return editText(&state) { $0.moveWordRight() }
    case .editorBackspace: return editText(&state) { $0.backspace() }
    case .editorDelete: return editText(&state) { $0.deleteForward() }
    case .editorDeleteWord: return editText(&state) { $0.deleteWordBackward() }
    case .editorUp, .editorDown:
      return editorVertical(up: command == .editorUp, &state)
    case .editorEnter:
      return editorEnter(&state)
    case .editorDone:
      return editorDone(&state)
    case .completePath:
      return completePath(&state)

    case .cancelJob:
      guard let job = state.queue.selected else {
        state.notice = Notice("No job selected")
        return []
      }
      guard !job.status.isFinal else {
        state.notice = Notice("\(job.id) is already \(job.status.rawValue)")
        return []
      }
      state.dialog = Dialog(
        purpose: .cancelJob(job.id), title: "Cancel job?",
        message: "Cancel \(job.id): \(job.prompt)")
      return []
    case .openJob:
      guard let job = state.queue.selected else { return [] }
      guard job.status == .completed else {
        state.notice = Notice("\(job.id) has no video yet (\(job.status.rawValue))")
        return []
      }
      return [.open(job.id)]
    case .showJob:
      guard let job = state.queue.selected else { return [] }
      state.overlay = .detail(id: job.id, record: job, scroll: 0)
      return []
    case .scrollLogUp, .scrollLogDown:
      guard let id = state.queue.selectedID else { return [] }
      let page = max(1, Layout(width: state.width, height: state.height).queueLog.height - 1)
      state.queue.logs[id, default: LogBuffer(limit: state.settings.logLimit)]
        .scroll(by: command == .scrollLogUp ? page : -page)
      return []

    case .filterHistory:
      leaveFocus(&state, to: .history)
      state.focus = .history
      state.history.filterEditing = true
      return []
    case .showRecord:
      guard let id = targetRecordID(state) else { return [] }
      state.overlay = .detail(id: id, record: nil, scroll: 0)
      state.pendingRecord = (id, .detail)
      return [.loadRecord(id)]
    case .openRecord:
      guard let id = targetRecordID(state) else { return [] }
      return [.open(id)]
    case .rerunRecord: return withRecord(.rerun, &state)
    case .editRecord: return withRecord(.edit, &state)
    case .extendRecord: return withRecord(.extend, &state)
    case .copyURL: return withRecord(.copyURL, &state)
    case .reuseSeed: return withRecord(.reuseSeed, &state)
    case .deleteRecord:
      guard let id = targetRecordID(state) else { return [] }
      let prompt = state.history.summary(at: state.history.selected).map(\.prompt) ?? ""
      state.dialog = Dialog(
        purpose: .deleteRecord(id), title: "Delete from history?",
        message: "Delete \(id): \(prompt)")
      return []

    case .confirmYes, .confirmAlternative, .confirmNo:
      return answer(command, &state)
    }
  }

  static func close(_ state: inout AppState) -> [Effect] {
    if state.overlay != nil {
      if case .detail(let id, _, _) = state.overlay, state.pendingRecord?.id == id,
        state.pendingRecord?.intent == .detail
      {
        state.pendingRecord = nil
      }
      state.overlay = nil
      return []
    }
    if state.focus == .form, !state.form.completions.isEmpty {
      state.form.completions = []
      return []
    }
    if state.focus == .history, !state.history.filter.isEmpty {
      state.history.filter = TextEditor()
      return filterChanged(&state)
    }
    state.notice = nil
    return []
  }

  /// Leaving a pane ends typing in it; a number left half-typed is clamped (with a message).
  static func leaveFocus(_ state: inout AppState, to pane: Pane) {
    if state.focus == .history, pane != .history { state.history.filterEditing = false }
    if state.focus == .form, pane != .form, let message = state.form.clamp(state.form.focus) {
      state.notice = Notice(message, kind: .warning)
    }
  }

  static func answer(_ command: Command, _ state: inout AppState) -> [Effect] {
    guard let dialog = state.dialog else { return [] }
    state.dialog = nil
    guard command != .confirmNo else { return [] }
    switch dialog.purpose {
    case .cancelJob(let id):
      state.notice = Notice("Cancelling \(id)…")
      return [.cancel(id)]
    case .deleteRecord(let id):
      let removeVideo = command == .confirmAlternative
      state.notice = Notice(removeVideo ? "Deleting \(id) and its video…" : "Deleting \(id)…")
      return [.delete(id, removeVideo: removeVideo)]
    case .quit:
      guard command == .confirmYes else {
        state.dialog = dialog
        return []
      }
      state.quitting = true
      return [.quit]
    }
  }

  /// After every action: lists scroll so that their selection stays on screen.
  static func keepSelectionsVisible(_ state: inout AppState) {
    guard !state.isTooSmall else { return }
    let layout = Layout(width: state.width, height: state.height)
    let jobIndex = state.queue.selectedIndex ?? 0
    state.queue.scrollTop = ListView.scrollTop(
      state.queue.scrollTop, selected: jobIndex, count: state.queue.jobs.count, height: layout.queueList.height)
    state.history.scrollTop = ListView.scrollTop(
      state.history.scrollTop, selected: state.history.selected, count: state.history.total,
      height: layout.historyList.height)
  }

  static func neighbour(of field: FormField, by delta: Int, in fields: [FormField]) -> FormField {
    let index = fields.firstIndex(of: field) ?? 0
    return fields[ListView.move(index, by: delta, count: fields.count)]
  }
}
