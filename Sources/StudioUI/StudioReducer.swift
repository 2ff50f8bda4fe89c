import FalProtocol
import HistoryModel
import TerminalScreen

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// The studio's behaviour: `update` turns the current state and one action into the next state
/// and the effects to perform. Pure (no I/O, no clock, no randomness), so every key and every
/// event from the network can be tested by value.
public enum StudioReducer {
  public static func update(_ state: inout AppState, _ action: Action) -> [Effect] {
    let typing = typedField(action, state)
    var effects = apply(action, &state)
    state.formUndo.record(state.form.values, typing: typing?.field, endsWord: typing?.endsWord ?? false)
    keepSelectionsVisible(&state)
    effects += reconcilePreview(&state)
    return effects
  }

  /// The form field a key types a character into, for undo's grouping of typed runs.
  static func typedField(_ action: Action, _ state: AppState) -> (field: FormField, endsWord: Bool)? {
    guard case .terminal(.key(.character(let character))) = action, state.isTyping, state.focus == .form,
      state.overlay == nil
    else { return nil }
    return (state.form.focus, character.isWhitespace)
  }

  static func apply(_ action: Action, _ state: inout AppState) -> [Effect] {
    let effects: [Effect]
    switch action {
    case .terminal(let event):
      effects = handle(event, &state)
    case .command(let command):
      if case .palette = state.overlay { state.overlay = nil }
      effects = run(command, &state)
    case .launched:
      effects = reloadHistory(&state, offset: 0) + loadSpentToday(&state)
    case .spentToday(let spend):
      if let spend { state.spentToday = spend }
      state.spendLoading = false
      effects = state.spendStale ? loadSpentToday(&state) : []
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
      state.expireNotice()
      effects = []
    case .notice(let text):
      state.notice = Notice(text)
      effects = []
    case .backend(let online, let label):
      state.online = online
      state.backendLabel = label
      effects = []
    case .jobUpdated(let record):
      let ended = record.status.isFinal && state.queue.jobs.first { $0.id == record.id }?.status.isFinal == false
      effects = jobUpdated(record, &state) + (ended ? loadSpentToday(&state) : [])
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
      // The log stays on the job being read (or follows the running one): a new job waits in
      // the list, it does not take the log over.
      _ = jobUpdated(record, &state)
      effects = reloadHistory(&state, offset: state.history.windowStart) + loadSpentToday(&state)
    case .submitFailed(let failure):
      submitFailed(failure, &state)
      effects = []
    case .batchJobsDequeued(let requests):
      state.unsentBatchJobs = max(0, state.unsentBatchJobs - requests.count)
      let sent = spendOf(requests, state.settings)
      state.unsentBatchSpend =
        state.unsentBatchJobs == 0
        ? .zero
        : Spend(
          dollars: max(0, state.unsentBatchSpend.dollars - sent.dollars),
          units: max(0, state.unsentBatchSpend.units - sent.units))
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
      state.batchRerun?.ids.removeAll { $0 == id }
      effects = batchRerunReady(&state)
    case .themeChanged(let name):
      state.themeName = name
      var text = "Theme: \(name)"
      if !state.brokenThemes.isEmpty {
        // A theme file with a mistake is not silently missing from the cycle.
        text += " · broken, skipped: \(state.brokenThemes.keys.sorted().joined(separator: ", ")) (M: why)"
      }
      state.notice = Notice(text)
      effects = []
    case .rowDetails(let details):
      state.history.details.merge(details) { $1 }
      // Batch ids arrive with the details: the rows of a batch become its batch row now, and
      // the rows below it come on screen.
      state.history.normalizeSelection()
      effects = state.history.loading == nil ? ensureLoaded(&state) : []
    case .previewSheet, .previewFrame, .previewUnavailable, .previewThumbnails, .previewSource:
      previewArrived(action, &state)
      compareSheetArrived(action, &state)
      effects = []
    case .comparisonLoaded, .comparisonFailed, .recordUpdated:
      compareArrived(action, &state)
      effects = []
    }
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
    if state.preview.playback != nil, case .detail = state.overlay { return [.playback, .detail, .global] }
    switch state.overlay {
    case .help: return [.help, .global]
    case .palette: return [.palette]
    case .detail: return [.detail, .global]
    case .compare: return [.compare, .global]
    case .messages: return [.messages, .global]
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
    // A key is the next action: the last one's notice has been seen (it stays in `M`).
    state.notice = nil
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
    if state.isTyping { return editText(&state, inserting: true) { $0.insert(text) } }
    guard state.overlay == nil, state.focus == .form else { return [] }
    let field = state.form.focus
    guard field.isText || field.isNumber else { return [] }
    // NORMAL mode: a paste is meant for the field; a typed key is not (1, 2, 3 switch panes here).
    if case .paste = key {
      startEditing(&state)
      return editText(&state, inserting: true) { $0.insert(text) }
    }
    state.notice = Notice("NORMAL mode: press Enter or i to edit the \(field.label.lowercased())")
    return []
  }

  /// Enters EDIT mode on the focused form field (a text or a number).
  static func startEditing(_ state: inout AppState) {
    guard state.focus == .form else { return }
    let field = state.form.focus
    guard field.isText || field.isNumber else { return }
    state.form.editing = true
    state.form.replacesNumber = field.isNumber
  }

  static func handle(_ mouse: MouseEvent, _ state: inout AppState) -> [Effect] {
    guard !state.isTooSmall, state.dialog == nil else { return [] }
    let layout = Layout(width: state.width, height: state.height)
    if mouse.kind == .press { state.notice = nil }
    switch state.overlay {
    case .help, .detail, .messages:
      switch mouse.kind {
      case .scrollUp: return run(.moveUp, &state)
      case .scrollDown: return run(.moveDown, &state)
      default: return []
      }
    case .palette, .compare:
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
        // Scrolling moves the focus as Up/Down do: the field left is clamped, and EDIT mode ends.
        if let message = state.form.clamp(state.form.focus) { state.notice = Notice(message, kind: .warning) }
        state.form.editing = false
        state.form.focus = neighbour(of: state.form.focus, by: delta > 0 ? 1 : -1, in: state.form.visibleFields)
        return []
      case .queue:
        if layout.queueLog.contains(x: mouse.x, y: mouse.y), let id = state.queue.selectedID {
          state.queue.logs[id, default: LogBuffer(limit: state.settings.logLimit)].scroll(by: -delta)
          return []
        }
        moveQueueSelection(by: delta, &state)
        state.queue.pinned = true
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
          if field != state.form.focus, let message = state.form.clamp(state.form.focus) {
            state.notice = Notice(message, kind: .warning)
          }
          state.form.focus = field
          state.form.editing = false
          if field.isText || field.isNumber { startEditing(&state) }
          if field == .submit { return run(.submit, &state) }
        }
        return []
      case .queue:
        let row = mouse.y - layout.queueList.y + state.queue.scrollTop
        if layout.queueList.contains(x: mouse.x, y: mouse.y), state.queue.jobs.indices.contains(row) {
          state.queue.selectedID = state.queue.jobs[row].id
          state.queue.pinned = true
        }
        return []
      case .history:
        if mouse.y == layout.historyList.y - 1 {
          return run(.filterHistory, &state)
        }
        let lines = state.history.lines(from: state.history.scrollTop, limit: layout.historyList.height)
        let index = mouse.y - layout.historyList.y
        guard layout.historyList.contains(x: mouse.x, y: mouse.y), lines.indices.contains(index) else { return [] }
        switch lines[index] {
        case .record(let row): return moveHistorySelection(to: row, &state)
        case .batch(let group): return moveHistorySelection(to: group.rows.lowerBound, onBatch: true, &state)
        }
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
      state.overlay = .palette(CommandPalette(entries: paletteEntries(state)))
      return []
    case .redraw:
      return [.redraw]
    case .cycleTheme:
      return [.cycleTheme]
    case .saveThemeAsDefault:
      return [.saveThemeAsDefault(state.themeName)]
    case .showMessages:
      state.overlay = .messages(back: 0)
      return []
    case .toggleZoom:
      return toggleZoom(&state)
    case .toggleLogWrap:
      state.queue.wrapLog.toggle()
      state.notice = Notice(state.queue.wrapLog ? "Log lines wrap" : "Log lines are cut at the edge (w wraps)")
      return []
    case .quit:
      if let dialog = Dialog.quit(jobs: state.queue.jobs, online: state.online, unsentBatchJobs: state.unsentBatchJobs)
      {
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
      startEditing(&state)
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
      state.form.webhook.setText(state.settings.defaultWebhook ?? "")
      state.notice = Notice("Form reset to defaults (u undoes)")
      return []
    case .undo, .redo:
      return undo(redo: command == .redo, &state)

    case .editorLeft: return editText(&state) { $0.moveLeft() }
    case .editorRight: return editText(&state) { $0.moveRight() }
    case .editorHome: return editText(&state) { $0.moveHome() }
    case .editorEnd: return editText(&state) { $0.moveEnd() }
    case .editorWordLeft: return editText(&state) { $0.moveWordLeft() }
    case .editorWordRight: return editText(&state) { $0.moveWordRight() }
    case .editorBackspace: return editText(&state) { $0.backspace() }
    case .editorDelete: return editText(&state) { $0.deleteForward() }
    case .editorDeleteWord: return cut(&state) { $0.deleteWordBackward() }
    case .editorKillToStart: return cut(&state) { $0.killToLineStart() }
    case .editorKillToEnd: return cut(&state) { $0.killToLineEnd() }
    case .editorKillWordForward: return cut(&state) { $0.killWordForward() }
    case .editorYank:
      let text = state.cutText
      guard !text.isEmpty else { return [] }
      return editText(&state, inserting: true) { $0.insert(text) }
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
    case .cancelAll:
      let active = state.queue.jobs.filter { !$0.status.isFinal }.map(\.id)
      guard !active.isEmpty else {
        state.notice = Notice("No job to cancel")
        return []
      }
      state.dialog = Dialog(
        purpose: .cancelJobs(active), title: "Cancel all jobs?",
        message:
          "Cancel \(active.count) unfinished job\(active.count == 1 ? "" : "s"): \(active.joined(separator: ", "))")
      return []
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
    case .expandBatch, .collapseBatch:
      if !state.history.toggleSelectedBatch(expand: command == .expandBatch) {
        state.notice = Notice(
          command == .expandBatch ? "Not a batch row: → opens a batch's row" : "Not in a batch: ← closes a batch's row")
      }
      return []
    case .showRecord:
      if state.overlay == nil, state.history.toggleSelectedBatch(expand: nil) { return [] }
      guard let id = targetRecordID(state) else { return [] }
      state.overlay = .detail(id: id, record: nil, scroll: 0)
      state.pendingRecord = (id, .detail)
      return [.loadRecord(id)]
    case .openRecord:
      if case .compare = state.overlay { return compareCommand(command, &state) }
      if state.overlay == nil, !state.history.marked.isEmpty { return historyCommand(command, &state) }
      guard let id = targetRecordID(state) else { return [] }
      return [.open(id)]
    case .rerunRecord:
      if state.overlay == nil, !state.history.marked.isEmpty { return historyCommand(command, &state) }
      if state.overlay == nil, let batch = state.history.selectedBatch { return rerunBatch(batch, &state) }
      return withRecord(.rerun, &state)
    case .editRecord: return withRecord(.edit, &state)
    case .extendRecord: return withRecord(.extend, &state)
    case .copyURL: return withRecord(.copyURL, &state)
    case .reuseSeed: return withRecord(.reuseSeed, &state)
    case .copyFilePath:
      if state.overlay == nil, state.focus == .queue, let job = state.queue.selected {
        return perform(.copyFilePath, on: job, &state)
      }
      return withRecord(.copyFilePath, &state)
    case .openVideosFolder:
      state.notice = Notice("Opening the videos folder…")
      return [.openVideosFolder]
    case .cancelRecord, .toggleMark, .clearMarks, .sortHistory:
      return historyCommand(command, &state)
    case .compareRecords, .moveLeft, .moveRight, .starRecord, .discardOthers:
      return compareCommand(command, &state)
    case .deleteRecord:
      if state.overlay == nil, !state.history.marked.isEmpty { return historyCommand(command, &state) }
      guard let id = targetRecordID(state) else { return [] }
      let prompt = state.history.summary(at: state.history.selected).map(\.prompt) ?? ""
      state.dialog = Dialog(
        purpose: .deleteRecord(id), title: "Delete from history?",
        message: "Delete \(id): \(prompt)")
      return []

    case .playVideo, .playVideoFullScreen, .pausePlayback, .stepForward, .stepBackward, .seekForward, .seekBackward,
      .togglePlaybackZoom, .stopPlayback:
      return previewCommand(command, &state)
    case .confirmYes, .confirmAlternative, .confirmNo:
      return answer(command, &state)
    }
  }

  static func close(_ state: inout AppState) -> [Effect] {
    if state.zoomed {
      state.zoomed = false
      return []
    }
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
    if state.focus == .history, !state.history.marked.isEmpty {
      state.history.marked = [:]
      return []
    }
    state.notice = nil
    return []
  }

  /// Leaving a pane ends typing in it; a number left half-typed is clamped (with a message).
  static func leaveFocus(_ state: inout AppState, to pane: Pane) {
    if pane != state.focus { state.zoomed = false }
    if state.focus == .history, pane != .history { state.history.filterEditing = false }
    guard state.focus == .form, pane != .form else { return }
    state.form.editing = false
    if let message = state.form.clamp(state.form.focus) { state.notice = Notice(message, kind: .warning) }
  }

  static func answer(_ command: Command, _ state: inout AppState) -> [Effect] {
    guard let dialog = state.dialog else { return [] }
    state.dialog = nil
    guard command != .confirmNo else { return [] }
    switch dialog.purpose {
    case .cancelJob(let id):
      state.notice = Notice("Cancelling \(id)…")
      return [.cancel(id)]
    case .submit(let request, let source, let parentID):
      return send(request, source: source, parentID: parentID, &state)
    case .rerun(let id, let request, let parentID, let webhook):
      state.notice = Notice("Re-running \(id) as it was")
      return [.submit(request, source: nil, parentID: parentID, webhook: webhook)]
    case .deleteRecord(let id):
      let removeVideo = command == .confirmAlternative
      state.notice = Notice(removeVideo ? "Deleting \(id) and its video…" : "Deleting \(id)…")
      return [.delete(id, removeVideo: removeVideo)]
    case .cancelJobs(let ids):
      state.notice = Notice("Cancelling \(ids.count) job\(ids.count == 1 ? "" : "s")…")
      state.history.marked = [:]
      return ids.map { .cancel($0) }
    case .deleteRecords(let ids):
      let removeVideo = command == .confirmAlternative
      state.notice = Notice("Deleting \(ids.count) items\(removeVideo ? " and their videos" : "")…")
      state.history.marked = [:]
      return ids.map { .delete($0, removeVideo: removeVideo) }
    case .discardVideos(let ids):
      state.notice = Notice("Discarding \(count(ids.count, "video"))…")
      return [.discardVideos(ids)]
    case .submitBatch(let batch):
      return sendBatch(batch, &state)
    case .rerunBatch(let failed, let all):
      let ids = command == .confirmYes && !failed.isEmpty ? failed : all
      state.notice = Notice("Re-running \(count(ids.count, "job")) of the batch as they were, as a new batch")
      state.batchRerun = AppState.BatchRerun(ids: ids)
      return ids.map { .loadRecord($0) }
    case .rerunRecords(let ids):
      state.notice = Notice("Re-running \(ids.count) jobs as they were")
      state.history.marked = [:]
      state.pendingReruns.formUnion(ids)
      return ids.map { .loadRecord($0) }
    case .quit:
      guard command == .confirmYes else {
        state.dialog = dialog
        return []
      }
      state.quitting = true
      return [.quit]
    }
  }

  /// Asks for today's spend when a daily budget is set (one question at a time: a job that ends
  /// meanwhile asks once more when the answer comes).
  static func loadSpentToday(_ state: inout AppState) -> [Effect] {
    guard state.settings.budget.hasDailyLimit else { return [] }
    guard !state.spendLoading else {
      state.spendStale = true
      return []
    }
    state.spendLoading = true
    state.spendStale = false
    return [.loadSpentToday(pricePerUnit: state.settings.pricePerUnit)]
  }

  /// After every action: lists scroll so that their selection stays on screen.
  static func keepSelectionsVisible(_ state: inout AppState) {
    guard !state.isTooSmall else { return }
    let layout = Layout(width: state.width, height: state.height)
    let jobIndex = state.queue.selectedIndex ?? 0
    state.queue.scrollTop = ListView.scrollTop(
      state.queue.scrollTop, selected: jobIndex, count: state.queue.jobs.count, height: layout.queueList.height)
    state.history.scrollTop = state.history.batchAwareScrollTop(height: layout.historyList.height)
  }

  static func neighbour(of field: FormField, by delta: Int, in fields: [FormField]) -> FormField {
    let index = fields.firstIndex(of: field) ?? 0
    return fields[ListView.move(index, by: delta, count: fields.count)]
  }
}
