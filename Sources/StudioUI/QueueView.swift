#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HistoryModel
import TerminalScreen

/// The queue pane: one row per job (state, elapsed time, queue position or progress, prompt) and
/// the selected job's live log under it.
enum QueueView {
  static func draw(_ grid: inout ScreenGrid, _ state: AppState, layout: Layout) {
    let queue = state.queue
    let focused = state.focus == .queue && state.overlay == nil && state.dialog == nil
    let active = queue.activeCount
    Box.draw(&grid, layout.queue, title: Pane.queue.title, focused: focused, badge: active > 0 ? "\(active) active" : nil)
    let list = layout.queueList
    if queue.jobs.isEmpty {
      grid.put("No jobs yet: fill in the form, Ctrl-S", x: list.x, y: list.y, role: .dim, maxWidth: list.width)
    }
    for index in ListView.visibleRange(top: queue.scrollTop, count: queue.jobs.count, height: list.height) {
      let job = queue.jobs[index]
      let y = list.y + index - queue.scrollTop
      drawRow(&grid, job, state: state, selected: job.id == queue.selectedID, focused: focused, x: list.x, y: y,
        width: list.width)
    }
    guard layout.queueLog.height > 0 else { return }
    let separatorY = layout.queueLog.y - 1
    let title = queue.selected.map { "─ \($0.id): \($0.prompt.replacing("\n", with: " ")) " } ?? "─ log "
    grid.put(title + String(repeating: "─", count: max(0, list.width - TextWidth.of(title))), x: list.x,
      y: separatorY, role: .border, maxWidth: list.width)
    if let id = queue.selectedID {
      LogView.draw(&grid, layout.queueLog, buffer: queue.logs[id])
    }
  }

  static func drawRow(
    _ grid: inout ScreenGrid, _ job: GenerationRecord, state: AppState, selected: Bool, focused: Bool, x: Int, y: Int,
    width: Int
  ) {
    if selected { grid.fill(Rect(x: x, y: y, width: width, height: 1), role: focused ? .selection : .dim) }
    let base: StyleRole = selected ? (focused ? .selection : .dim) : .normal
    var column = x
    let lost = state.queue.connection[job.id] != nil && !job.status.isFinal
    let statusRole = selected ? base : lost ? .warning : Format.role(job.status)
    column += grid.put(
      Format.glyph(job.status) + " " + Box.fit(job.status.rawValue, 9) + " ", x: column, y: y, role: statusRole,
      maxWidth: x + width - column)
    column += grid.put(Box.fit(Format.duration(elapsed(job, now: state.now)), 6), x: column, y: y, role: base,
      maxWidth: x + width - column)
    let detailWidth = min(16, max(0, x + width - column - 1))
    if let loss = state.queue.connection[job.id], !job.status.isFinal {
      // Progress is frozen while the server is out of reach: say so instead of showing it.
      grid.put(loss.message(now: state.now), x: column, y: y, role: selected ? base : .warning, maxWidth: x + width - column)
      return
    }
    switch job.status {
    case .queued:
      let position = job.progress.queuePosition.flatMap { $0 >= 0 && $0 < Int.max ? "#\($0 + 1) in line" : nil } ?? "in line"
      grid.put(Box.fit(position, detailWidth), x: column, y: y, role: statusRole, maxWidth: detailWidth)
    case .running:
      let done = job.progress.stepsDone ?? 0
      let total = job.progress.stepsTotal ?? 0
      let count = total > 0 ? " \(done)/\(total)" : ""
      let barWidth = max(0, detailWidth - TextWidth.of(count))
      ProgressBar.draw(&grid, x: column, y: y, width: barWidth, done: done, total: total)
      grid.put(count, x: column + barWidth, y: y, role: base, maxWidth: detailWidth - barWidth)
    case .submitting:
      var text = "sending"
      if let transfer = state.queue.transfers[job.id], transfer.uploadTotal > 0 {
        text = "upload \(transfer.uploaded * 100 / transfer.uploadTotal)%"
      }
      grid.put(Box.fit(text, detailWidth), x: column, y: y, role: statusRole, maxWidth: detailWidth)
    case .completed:
      var text = job.localFile != nil ? "saved" : "done"
      if let transfer = state.queue.transfers[job.id], transfer.downloadTotal > 0 {
        text = "dl \(transfer.downloaded * 100 / transfer.downloadTotal)%"
      } else if let cost = job.billing?.cost {
        // "saved $0.32" read as money saved: the price is the job's cost, set apart as such.
        text += " · " + Format.price(cost)
      }
      grid.put(Box.fit(text, detailWidth), x: column, y: y, role: statusRole, maxWidth: detailWidth)
    case .failed, .cancelled, .lost, .unknown:
      grid.put(Box.fit(job.failure?.type ?? job.status.rawValue, detailWidth), x: column, y: y, role: statusRole,
        maxWidth: detailWidth)
    }
    column += detailWidth + 1
    if column + 8 <= x + width {
      grid.put(job.prompt, x: column, y: y, role: base, maxWidth: x + width - column)
    }
  }

  /// Time in the queue (while queued) or since it started running; for a finished job, the time
  /// from creation to the end. Read from the record's own timestamps, so a resumed job shows
  /// true times.
  static func elapsed(_ job: GenerationRecord, now: Date) -> TimeInterval {
    let started = job.transitions.last { $0.status == .running }?.at
    switch job.status {
    case .submitting, .queued:
      return now.timeIntervalSince(job.createdAt)
    case .running:
      return now.timeIntervalSince(started ?? job.createdAt)
    case .completed, .failed, .cancelled, .lost, .unknown:
      let end = job.transitions.last { $0.status.isFinal }?.at ?? job.updatedAt
      return end.timeIntervalSince(job.createdAt)
    }
  }
}
