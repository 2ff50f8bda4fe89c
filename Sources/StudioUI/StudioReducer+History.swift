import FalProtocol
import HistoryModel
import TerminalScreen

/// The history's commands on several rows (marks), its order, its filter's errors, the extra row
/// details, and zoom.
extension StudioReducer {
  static func historyCommand(_ command: Command, _ state: inout AppState) -> [Effect] {
    switch command {
    case .toggleMark:
      if let batch = state.history.selectedBatch {
        // A batch row marks (or unmarks) all its jobs.
        let allMarked = batch.members.allSatisfy { state.history.marked[$0.id] != nil }
        for member in batch.members {
          if allMarked { state.history.marked[member.id] = nil } else { state.history.marked[member.id] = member }
        }
        let step = state.history.step(down: true)
        return moveHistorySelection(to: step.row, onBatch: step.onBatch, &state)
      }
      guard let summary = state.history.selectedSummary else { return [] }
      if state.history.marked.removeValue(forKey: summary.id) == nil { state.history.marked[summary.id] = summary }
      // As in k9s and lazygit: marking moves on, so Space Space Space marks three rows.
      return moveHistorySelection(to: state.history.selected + 1, &state)
    case .clearMarks:
      state.history.marked = [:]
      return []
    case .sortHistory:
      state.history.sort = state.history.sort == .newest ? .cost : .newest
      state.history.selected = state.history.windowStart
      state.history.onBatchRow = false
      state.history.normalizeSelection()
      state.notice = Notice(
        state.history.sort == .cost
          ? "History by cost, dearest first (the \(state.history.items.count) rows loaded)"
          : "History by date, newest first")
      return []
    case .cancelRecord:
      return cancelTargets(&state)
    case .deleteRecord:
      let targets = state.history.targets
      guard !targets.isEmpty else { return [] }
      state.dialog = Dialog(
        purpose: .deleteRecords(targets.map(\.id)), title: "Delete \(targets.count) items?",
        message:
          "Delete \(count(targets.count, "item")) from the history: \(prompts(targets)). Their video files stay unless you answer v."
      )
      return []
    case .openRecord:
      let targets = state.history.targets
      state.notice = Notice("Opening \(count(targets.count, "video"))")
      state.history.marked = [:]
      return targets.map { .open($0.id) }
    case .rerunRecord:
      let targets = state.history.targets
      guard !targets.isEmpty else { return [] }
      let costs = targets.compactMap { state.history.details[$0.id]?.cost }
      var price = "costs unknown"
      if !costs.isEmpty {
        price = "about \(Format.price(costs.reduce(0, +))) in all, as they cost last time"
        if costs.count < targets.count { price += " (\(targets.count - costs.count) not known)" }
      }
      // A re-run spends as a submit does: `[budget]` weighs what they cost last time.
      let units = targets.compactMap { state.history.details[$0.id]?.units }.reduce(0, +)
      let problem = costs.isEmpty ? nil : budgetProblem(cost: Spend(dollars: costs.reduce(0, +), units: units), state)
      state.dialog = Dialog(
        purpose: .rerunRecords(targets.map(\.id)),
        title: problem == nil ? "Re-run \(targets.count) jobs?" : "Over budget: re-run \(targets.count) jobs anyway?",
        message: "Submit \(count(targets.count, "job")) again as they were: \(price). \(prompts(targets))."
          + (problem.map { " \($0)" } ?? ""))
      return []
    default:
      return []
    }
  }

  /// `r` on a batch row: the failed jobs again (y), or all of them (v), as a new batch.
  static func rerunBatch(_ batch: HistoryState.BatchGroup, _ state: inout AppState) -> [Effect] {
    let all = Array(batch.members.reversed())
    let failed = all.filter { $0.status == .failed || $0.status == .lost }
    let costs = all.compactMap { state.history.details[$0.id]?.cost }
    let price = costs.count == all.count ? " (\(Format.price(costs.reduce(0, +))) last time for all)" : ""
    let question =
      failed.isEmpty
      ? "Re-run all \(count(all.count, "job")) as they were, as a new batch\(price)?"
      : "Re-run the \(count(failed.count, "failed job")) (y) or all \(all.count) (v) as they were, as a new batch\(price)?"
    state.dialog = Dialog(
      purpose: .rerunBatch(failed: failed.map(\.id), all: all.map(\.id)), title: "Re-run the batch?",
      message: question)
    return []
  }

  /// Cancel from the history: the marked rows still queued or running (asking, with the count),
  /// or the selected one.
  static func cancelTargets(_ state: inout AppState) -> [Effect] {
    let targets = state.history.targets
    let live = targets.filter { !$0.status.isFinal }
    guard !live.isEmpty else {
      state.notice = Notice(
        targets.count > 1
          ? "None of the marked jobs is still queued or running" : "Nothing to cancel: the job has ended")
      return []
    }
    if live.count == 1, state.history.marked.isEmpty {
      state.dialog = Dialog(
        purpose: .cancelJob(live[0].id), title: "Cancel job?", message: "Cancel \(live[0].id): \(live[0].prompt)")
      return []
    }
    let ended = targets.count - live.count
    state.dialog = Dialog(
      purpose: .cancelJobs(live.map(\.id)), title: "Cancel \(live.count) jobs?",
      message:
        "Cancel \(count(live.count, "job")) still queued or running\(ended > 0 ? " (\(ended) marked already ended)" : ""): \(prompts(live))."
    )
    return []
  }

  static func count(_ number: Int, _ noun: String) -> String { "\(number) \(noun)\(number == 1 ? "" : "s")" }

  /// The first few prompts, for a dialog that acts on several rows.
  static func prompts(_ summaries: [HistorySummary]) -> String {
    let shown = summaries.prefix(3).map { "“\(TextWidth.truncate($0.prompt.replacing("\n", with: " "), to: 24))”" }
    return shown.joined(separator: ", ") + (summaries.count > 3 ? " and \(summaries.count - 3) more" : "")
  }

  /// Rows whose details are missing or older than their summary; the cache keeps only rows loaded.
  static func wantedDetails(_ summaries: [HistorySummary], _ state: inout AppState) -> [Effect] {
    let loaded = Set(state.history.items.map(\.id))
    state.history.details = state.history.details.filter { loaded.contains($0.key) }
    state.history.detailsAsked = state.history.detailsAsked.filter { loaded.contains($0.key) }
    let wanted = summaries.filter { state.history.detailsAsked[$0.id] != HistoryState.DetailKey($0) }
    for summary in wanted { state.history.detailsAsked[summary.id] = HistoryState.DetailKey(summary) }
    return wanted.isEmpty ? [] : [.loadRowDetails(wanted.map(\.id))]
  }

  /// Field terms the filter could not read, said once the user is done typing it.
  static func filterErrors(_ state: inout AppState) {
    let errors = state.history.parsedFilter(now: state.now).errors
    guard !errors.isEmpty else { return }
    state.notice = Notice("Filter: " + errors.joined(separator: "; "), kind: .warning)
  }

  /// `+`: the details view, or the queue's log, over the whole screen (and back).
  static func toggleZoom(_ state: inout AppState) -> [Effect] {
    switch state.overlay {
    case .detail:
      state.zoomed.toggle()
    case nil where state.focus == .queue:
      state.zoomed.toggle()
    default:
      state.notice = Notice("+ zooms the queue's log or the details view")
    }
    return []
  }
}
