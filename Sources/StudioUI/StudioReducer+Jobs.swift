import FalProtocol
import HistoryModel
import TerminalScreen

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// The queue's and the history's half of `update`: job records arriving, history pages, and the
/// actions on one record (re-run, edit, extend, copy, seed, delete).
extension StudioReducer {
  // MARK: - Queue

  static func jobUpdated(_ record: GenerationRecord, _ state: inout AppState) -> [Effect] {
    var effects: [Effect] = []
    compareJobUpdated(record, &state)
    // The history row of a job follows it at once (queued → running → …), before any reload.
    if let row = state.history.items.firstIndex(where: { $0.id == record.id }) {
      state.history.items[row].status = record.status
      state.history.items[row].updatedAt = record.updatedAt
      state.history.items[row].prompt = record.prompt
      state.history.items[row].awaitsVideo = record.awaitsVideo
      // This studio's own download: the row says "on disk" at once, without a reload.
      if record.localFile != nil { state.history.details[record.id]?.onDisk = true }
    }
    if let index = state.queue.jobs.firstIndex(where: { $0.id == record.id }) {
      let before = state.queue.jobs[index]
      state.queue.jobs[index] = record
      if !before.status.isFinal, record.status.isFinal {
        effects += finished(record, state)
        effects += reloadHistory(&state, offset: state.history.windowStart)
      }
      if let notice = finishNotice(before: before, after: record, state) { state.notice = notice }
    } else {
      // Newest first; a resumed job slots in by its creation time.
      let position = state.queue.jobs.firstIndex { $0.createdAt < record.createdAt } ?? state.queue.jobs.count
      state.queue.jobs.insert(record, at: position)
      if state.queue.logs[record.id] == nil {
        state.queue.logs[record.id] = LogBuffer(record.logs, limit: state.settings.logLimit)
      }
    }
    if state.queue.selectedID == nil {
      state.queue.selectedID = record.id
    } else if !state.queue.pinned, record.status == .running, state.queue.selected?.status != .running {
      // Nobody chose a job to read: the log follows the one that runs.
      state.queue.selectedID = record.id
    }
    if case .detail(record.id, _?, let scroll) = state.overlay {
      state.overlay = .detail(id: record.id, record: record, scroll: scroll)
    }
    if record.status.isFinal {
      state.queue.transfers[record.id] = nil
      state.queue.connection[record.id] = nil
    }
    return effects
  }

  /// The bell and the desktop notice for a job that just ended (each can be turned off).
  static func finished(_ record: GenerationRecord, _ state: AppState) -> [Effect] {
    var effects: [Effect] = []
    if state.settings.bellOnFinish { effects.append(.bell) }
    if state.settings.notifyOnFinish, !(state.settings.notifyOnlyWhenUnfocused && state.terminalFocused) {
      let prompt = TextWidth.truncate(record.prompt.replacing("\n", with: " "), to: 60)
      effects.append(.notify(title: "MAGI Studio: job \(record.status.rawValue)", body: prompt))
    }
    return effects
  }

  /// "done: a lighthouse… → lighthouse-3f2a.mp4, 4.0 u, $0.32" when a job of the queue ends: for a
  /// finished one once its video is on disk (the file is what the user waits for), for a failed
  /// or cancelled one at once.
  static func finishNotice(before: GenerationRecord, after record: GenerationRecord, _ state: AppState) -> Notice? {
    let prompt = record.prompt.isEmpty ? record.id : record.prompt.replacing("\n", with: " ")
    switch record.status {
    case .completed:
      guard let file = record.localFile, before.localFile == nil || !before.status.isFinal else { return nil }
      var text =
        "done: \(TextWidth.truncate(prompt, to: 40)) → \(file.path.split(separator: "/").last.map(String.init) ?? file.path)"
      if let billing = record.billing {
        text += ", \(Format.units(billing.units)) u"
        if let cost = billing.cost { text += ", \(Format.price(cost))" }
      }
      return Notice(text, kind: .success)
    case .failed, .lost, .unknown:
      guard !before.status.isFinal else { return nil }
      let reason = record.failure.map { ": \($0.message)" } ?? ""
      return Notice("\(record.status.rawValue): \(TextWidth.truncate(prompt, to: 40))\(reason)", kind: .error)
    case .cancelled:
      guard !before.status.isFinal else { return nil }
      return Notice("cancelled: \(TextWidth.truncate(prompt, to: 40))", kind: .warning)
    case .submitting, .queued, .running:
      return nil
    }
  }

  static func moveQueueSelection(by delta: Int, _ state: inout AppState) {
    let jobs = state.queue.jobs
    guard !jobs.isEmpty else { return }
    let index = ListView.move(state.queue.selectedIndex ?? 0, by: delta, count: jobs.count)
    state.queue.selectedID = jobs[index].id
  }

  // MARK: - History paging

  /// Asks for the page at `offset` of the current filter (replacing any page still awaited).
  static func reloadHistory(_ state: inout AppState, offset: Int) -> [Effect] {
    var query = state.history.query(offset: offset, now: state.now)
    if offset == state.history.windowStart, state.history.items.count > query.limit {
      // The rows loaded again as a whole: a page would shrink the window to its first rows, and
      // the rows under a closed batch row (loaded to be seen) would blink "…" at each change.
      query.limit = min(HistoryState.windowLimit, state.history.items.count)
    }
    state.history.loading = query
    return [.loadHistory(query)]
  }

  static func filterChanged(_ state: inout AppState) -> [Effect] {
    state.history.selected = 0
    state.history.onBatchRow = false
    state.history.scrollTop = 0
    return reloadHistory(&state, offset: 0)
  }

  /// Moves the history selection, fetching the page it lands on (or the next one as it nears the
  /// end of what is loaded) so scrolling never waits on an empty row for long.
  /// - Parameter onBatch: the selection is the batch row at `row` (a record of a collapsed batch
  ///   is its batch row in any case).
  static func moveHistorySelection(to row: Int, onBatch: Bool = false, _ state: inout AppState) -> [Effect] {
    let history = state.history
    guard history.total > 0 else { return [] }
    state.history.selected = min(max(0, row), history.total - 1)
    state.history.onBatchRow = onBatch
    state.history.normalizeSelection()
    return ensureLoaded(&state)
  }

  static func ensureLoaded(_ state: inout AppState) -> [Effect] {
    let history = state.history
    let selected = history.selected
    guard history.total > 0 else { return [] }
    let margin = 10
    var wanted: Int?
    if selected < history.windowStart || selected >= history.windowEnd {
      // A jump (G, a page, a click) outside the window: the page that holds the selection.
      wanted = max(0, min(selected - HistoryState.pageSize / 2, history.total - HistoryState.pageSize))
    } else if selected >= history.windowEnd - margin, history.windowEnd < history.total {
      wanted = history.windowEnd
    } else if selected < history.windowStart + margin, history.windowStart > 0 {
      wanted = max(0, history.windowStart - HistoryState.pageSize)
    } else if history.windowEnd < history.total, history.items.count < HistoryState.windowLimit,
      lastShownRow(history, lines: state.height) >= history.windowEnd - margin
    {
      // A closed batch row stands for many records: the screen reaches rows far past the
      // selection, which were drawn as "…" (and the batch cut at the window's end) until the
      // selection came near them. The window grows to what is shown, up to its limit.
      wanted = history.windowEnd
    }
    guard let offset = wanted else { return [] }
    var query = history.query(offset: offset, now: state.now)
    if offset < history.windowStart, offset + HistoryState.pageSize > history.windowStart,
      selected >= history.windowStart
    {
      // The page just before the window: ask for exactly the rows missing, so it joins up.
      query.limit = history.windowStart - offset
    }
    guard query != history.loading else { return [] }
    state.history.loading = query
    return [.loadHistory(query)]
  }

  /// The last record row of the first `lines` lines from the top of the list (a batch row: its
  /// last job).
  private static func lastShownRow(_ history: HistoryState, lines: Int) -> Int {
    history.lines(from: history.scrollTop, limit: lines).map { line in
      switch line {
      case .record(let row): row
      case .batch(let group): group.rows.upperBound
      }
    }.max() ?? 0
  }

  /// The history file changed: the rows on screen are asked for again, keeping the filter and the
  /// window. One query at a time: a change while one is out marks the list stale, and it is asked
  /// for once more when the answer comes (a burst of writes costs two queries, not one per write).
  static func historyChanged(_ state: inout AppState) -> [Effect] {
    guard state.history.loading == nil else {
      state.history.stale = true
      return []
    }
    return reloadHistory(&state, offset: state.history.windowStart)
  }

  static func historyPage(_ page: HistoryPage, for query: HistoryQuery, _ state: inout AppState) -> [Effect] {
    // Only the page last asked for counts: an older filter's answer is dropped.
    guard query == state.history.loading else { return [] }
    var history = state.history
    history.loading = nil
    history.loaded = true
    history.total = page.totalMatches
    if page.offset == history.windowEnd, !history.items.isEmpty {
      history.items += page.summaries
    } else if page.offset + page.summaries.count == history.windowStart, !history.items.isEmpty {
      history.items = page.summaries + history.items
      history.windowStart = page.offset
    } else {
      history.items = page.summaries
      history.windowStart = page.offset
    }
    // Keep the window bounded, dropping rows on the side away from the selection.
    let overflow = history.items.count - HistoryState.windowLimit
    if overflow > 0 {
      if history.selected - history.windowStart > history.items.count / 2 {
        history.items.removeFirst(overflow)
        history.windowStart += overflow
      } else {
        history.items.removeLast(overflow)
      }
    }
    history.selected = history.total == 0 ? 0 : min(history.selected, history.total - 1)
    history.normalizeSelection()
    let stale = history.stale
    history.stale = false
    state.history = history
    let adopt = unfollowedJobs(in: page.summaries, state) + wantedDetails(page.summaries, &state)
    if stale { return reloadHistory(&state, offset: state.history.windowStart) + adopt }
    return ensureLoaded(&state) + adopt
  }

  /// Queued or running jobs on this page that the studio does not follow. A record still being
  /// submitted is left to the process submitting it (which holds it).
  private static func unfollowedJobs(in summaries: [HistorySummary], _ state: AppState) -> [Effect] {
    let ids = summaries.filter { summary in
      (summary.status == .queued || summary.status == .running) && !state.queue.jobs.contains { $0.id == summary.id }
    }.map(\.id)
    return ids.isEmpty ? [] : [.adopt(ids)]
  }

  static func recordDeleted(_ id: String, _ state: inout AppState) -> [Effect] {
    if case .detail(id, _, _) = state.overlay { state.overlay = nil }
    if state.pendingRecord?.id == id { state.pendingRecord = nil }
    state.queue.jobs.removeAll { $0.id == id }
    state.queue.logs[id] = nil
    if state.queue.selectedID == id { state.queue.selectedID = state.queue.jobs.first?.id }
    state.notice = Notice("Deleted \(id)", kind: .success)
    return reloadHistory(&state, offset: state.history.windowStart)
  }

  // MARK: - One record

  /// The record a history command acts on: the one in the details view, else the selected row.
  static func targetRecordID(_ state: AppState) -> String? {
    if case .detail(let id, _, _) = state.overlay { return id }
    return state.history.selectedSummary?.id
  }

  /// Runs `intent` on the target record now if it is at hand (in the details view or the queue),
  /// otherwise loads it first and finishes when `.recordLoaded` arrives.
  static func withRecord(_ intent: RecordIntent, _ state: inout AppState) -> [Effect] {
    guard let id = targetRecordID(state) else {
      state.notice = Notice("Select a history item first")
      return []
    }
    if case .detail(id, let record?, _) = state.overlay { return perform(intent, on: record, &state) }
    if let job = state.queue.jobs.first(where: { $0.id == id }) { return perform(intent, on: job, &state) }
    state.pendingRecord = (id, intent)
    return [.loadRecord(id)]
  }

  static func recordLoaded(_ record: GenerationRecord, _ state: inout AppState) -> [Effect] {
    if case .detail(record.id, _, let scroll) = state.overlay {
      state.overlay = .detail(id: record.id, record: record, scroll: scroll)
    }
    if var rerun = state.batchRerun, rerun.ids.contains(record.id) {
      rerun.loaded[record.id] = record
      state.batchRerun = rerun
      return batchRerunReady(&state)
    }
    if state.pendingReruns.remove(record.id) != nil {
      return [
        .submit(RecordParameters.request(of: record), source: nil, parentID: record.parentID, webhook: record.webhook)
      ]
    }
    guard let pending = state.pendingRecord, pending.id == record.id else { return [] }
    state.pendingRecord = nil
    return perform(pending.intent, on: record, &state)
  }

  /// Sends a batch re-run once every record of it has loaded (those that could not be are left out).
  static func batchRerunReady(_ state: inout AppState) -> [Effect] {
    guard let rerun = state.batchRerun, rerun.ids.allSatisfy({ rerun.loaded[$0] != nil }) else { return [] }
    state.batchRerun = nil
    let records = rerun.ids.compactMap { rerun.loaded[$0] }
    guard let first = records.first else { return [] }
    let batch = BatchSubmission(
      requests: records.map(RecordParameters.request(of:)), parentID: first.parentID, webhook: first.webhook)
    // Its price is known only now that its records are here: past `[budget]`, one more question.
    let cost = spendOf(batch.requests, state.settings)
    if let problem = budgetProblem(cost: cost, state) {
      state.dialog = Dialog(
        purpose: .submitBatch(batch), title: "Over budget: re-run \(count(records.count, "job")) anyway?",
        message:
          "\(count(records.count, "job")) sent again as they were, ≈ \(Format.price(cost.dollars)) in all. \(problem)")
      return []
    }
    return queueBatch(batch, &state)
  }

  static func perform(_ intent: RecordIntent, on record: GenerationRecord, _ state: inout AppState) -> [Effect] {
    switch intent {
    case .detail:
      return []
    case .rerun:
      // One key spends money: it asks first, with the price.
      let request = RecordParameters.request(of: record)
      // A re-run is a submit: `[budget]` weighs it as the form's would be.
      let problem = budgetProblem(cost: spendOf([request], state.settings), state)
      state.dialog = Dialog(
        purpose: .rerun(record.id, request, parentID: record.parentID, webhook: record.webhook),
        title: problem == nil ? "Re-run \(record.id)?" : "Over budget: re-run \(record.id) anyway?",
        message: "\(priceLine(request, state.settings)), sent again as it was: \(record.prompt)"
          + (problem.map { ". \($0)" } ?? ""))
      return []
    case .edit:
      state.form.load(RecordParameters(record))
      focusFormPrompt(&state)
      state.notice = Notice("Loaded \(record.id) into the form")
      return []
    case .extend:
      return extend(record, &state)
    case .copyURL:
      if ranOffline(record), let path = record.localFile?.path {
        // The offline twin's URL dies with the studio that served it: the file is what lasts.
        state.notice = Notice("Copying the local file of \(record.id) (offline emulator: its URL does not last)…")
        return [.copyToClipboard(path)]
      }
      guard let url = record.result?.videoURL else {
        state.notice = Notice("\(record.id) has no video URL", kind: .warning)
        return []
      }
      // Only the terminal side knows whether the copy arrives; it says so when it has tried.
      state.notice = Notice("Copying the video URL of \(record.id)…")
      return [.copyToClipboard(url)]
    case .copyFilePath:
      guard let path = record.localFile?.path else {
        state.notice = Notice("\(record.id) has no video on disk", kind: .warning)
        return []
      }
      state.notice = Notice("Copied the file path of \(record.id)", kind: .success)
      return [.copyToClipboard(path)]
    case .reuseSeed:
      guard let seed = RecordParameters(record).seed else {
        state.notice = Notice("\(record.id) has no recorded seed", kind: .warning)
        return []
      }
      state.form.seed = String(seed)
      state.form.markChanged(.seed)
      state.notice = Notice("Seed \(seed) from \(record.id)")
      return []
    }
  }

  /// "Extend this": the form in extend mode on this record's video — its URL while the link is
  /// fresh, else the downloaded copy (which the generation runner uploads again).
  static func extend(_ record: GenerationRecord, _ state: inout AppState) -> [Effect] {
    guard record.status == .completed, record.result != nil || record.localFile != nil else {
      state.notice = Notice(
        "Only a finished video can be extended (\(record.id) is \(record.status.rawValue))", kind: .warning)
      return []
    }
    let finishedAt = record.transitions.last { $0.status == .completed }?.at ?? record.updatedAt
    let linkFresh = state.now.timeIntervalSince(finishedAt) < state.settings.linkLifetime
    let source: String
    if let url = record.result?.videoURL, (linkFresh && !ranOffline(record)) || record.localFile == nil {
      source = url
    } else if let path = record.localFile?.path {
      source = path
    } else {
      return []
    }
    var parameters = RecordParameters(record)
    parameters.mode = .extendVideo
    parameters.source = source
    parameters.startFrame = nil
    parameters.parentID = record.id
    state.form.load(parameters)
    focusFormPrompt(&state)
    state.notice = Notice(
      "Extending \(record.id) from \(source == record.result?.videoURL ? "its URL" : "the local copy")")
    return []
  }

  /// Whether `record` ran on the embedded offline emulator, whose URLs point at a server that lives
  /// only as long as the studio that ran it.
  public static func ranOffline(_ record: GenerationRecord) -> Bool {
    record.server?.hasPrefix("embedded:") == true
  }

  static func focusFormPrompt(_ state: inout AppState) {
    state.overlay = nil
    state.focus = .form
    state.form.focus = .prompt
    state.form.editing = false
  }
}
