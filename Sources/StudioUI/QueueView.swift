import HistoryModel
import TerminalScreen

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// The queue pane: one row per job (its prompt first, then state, elapsed time, and queue
/// position or progress last) and the selected job's live log under it; `+` zooms the log to the
/// whole screen.
enum QueueView {
  static func draw(_ grid: inout ScreenGrid, _ state: AppState, layout: Layout) {
    let queue = state.queue
    let focused = state.focus == .queue && state.overlay == nil && state.dialog == nil
    let active = queue.activeCount
    Box.draw(
      &grid, layout.queue, title: Pane.queue.title, focused: focused, badge: active > 0 ? "\(active) active" : nil)
    let list = layout.queueList
    if queue.jobs.isEmpty {
      grid.put("No jobs yet: fill in the form, Ctrl-S", x: list.x, y: list.y, role: .dim, maxWidth: list.width)
    }
    let visible = ListView.visibleRange(top: queue.scrollTop, count: queue.jobs.count, height: list.height)
    for index in visible {
      let job = queue.jobs[index]
      let y = list.y + index - queue.scrollTop
      drawRow(
        &grid, job, state: state, selected: job.id == queue.selectedID, focused: focused, x: list.x, y: y,
        width: list.width)
    }
    // The line under the list (the log's rule, or the frame) says what does not fit.
    let below = layout.queueLog.height > 0 ? layout.queueLog.y - 1 : layout.queue.maxY - 1
    let more = moreMarker(above: visible.lowerBound, below: queue.jobs.count - visible.upperBound)
    guard layout.queueLog.height > 0 else {
      if !more.isEmpty { grid.put(more, x: list.maxX - TextWidth.of(more), y: below, role: .accent) }
      return
    }
    let title = queue.selected.map { "─ \($0.id): \($0.prompt.replacing("\n", with: " ")) " } ?? "─ log "
    let titleWidth = list.width - TextWidth.of(more)
    let used = grid.put(title, x: list.x, y: below, role: .border, maxWidth: titleWidth)
    grid.put(String(repeating: "─", count: max(0, titleWidth - used)), x: list.x + used, y: below, role: .border)
    grid.put(more, x: list.maxX - TextWidth.of(more), y: below, role: .accent)
    if let id = queue.selectedID {
      var log = layout.queueLog
      if let thumbnails = state.preview.thumbnails, thumbnails.id == id,
        log.height >= Thumbnails.frame.rows + 3
      {
        let height = Thumbnails.frame.rows + 1
        PreviewView.drawThumbnails(&grid, thumbnails, in: Rect(x: log.x, y: log.y, width: log.width, height: height))
        log = Rect(x: log.x, y: log.y + height, width: log.width, height: log.height - height)
      }
      LogView.draw(&grid, log, buffer: queue.logs[id], wrap: queue.wrapLog)
    }
  }

  /// " ↑2 ↓3 more " for the rows scrolled off either end, or nothing when all show.
  static func moreMarker(above: Int, below: Int) -> String {
    guard above + below > 0 else { return "" }
    var parts: [String] = []
    if above > 0 { parts.append("↑\(above)") }
    if below > 0 { parts.append("↓\(below)") }
    return " " + parts.joined(separator: " ") + " more "
  }

  /// The selected job's log over the whole screen but the two bottom rows (`+`).
  static func drawZoomed(_ grid: inout ScreenGrid, _ state: AppState) {
    let rect = Rect(x: 0, y: 0, width: grid.width, height: grid.height - 2)
    let job = state.queue.selected
    let title = job.map { "Log — \($0.id): \($0.prompt.replacing("\n", with: " "))" } ?? "Log"
    Box.draw(&grid, rect, title: title, focused: true, badge: state.queue.wrapLog ? "wrap" : nil)
    guard let job else {
      grid.put("No job selected", x: 1, y: 1, role: .dim, maxWidth: rect.width - 2)
      return
    }
    LogView.draw(&grid, rect.inset(by: 1), buffer: state.queue.logs[job.id], wrap: state.queue.wrapLog)
  }

  /// Column widths of a row `width` wide: the prompt takes what the others leave, and the others
  /// give way at narrow widths (the state word first; the glyph still tells the state).
  struct Columns: Equatable {
    var prompt: Int
    var state: Int
    var time: Int
    var detail: Int

    init(width: Int) {
      time = 6
      state = width >= 44 ? 10 : 0
      detail = width >= 50 ? 16 : 10
      prompt = width - 2 - state - time - detail - 1
      if prompt < 8 {
        detail = max(4, detail - (8 - prompt))
        prompt = max(0, width - 2 - state - time - detail - 1)
      }
    }
  }

  static func drawRow(
    _ grid: inout ScreenGrid, _ job: GenerationRecord, state: AppState, selected: Bool, focused: Bool, x: Int, y: Int,
    width: Int
  ) {
    if selected { grid.fill(Rect(x: x, y: y, width: width, height: 1), role: focused ? .selection : .dim) }
    let base: StyleRole = selected ? (focused ? .selection : .dim) : .normal
    let columns = Columns(width: width)
    let lost = state.queue.connection[job.id] != nil && !job.status.isFinal
    let statusRole = selected ? base : lost ? .warning : Format.role(job.status)
    var column = x
    column += grid.put(Format.glyph(job.status) + " ", x: column, y: y, role: statusRole, maxWidth: 2)
    let name = job.prompt.isEmpty ? job.id : job.prompt.replacing("\n", with: " ")
    grid.put(name, x: column, y: y, role: base, maxWidth: columns.prompt)
    column += columns.prompt + 1
    if columns.state > 0 {
      grid.put(job.status.rawValue, x: column, y: y, role: statusRole, maxWidth: columns.state - 1)
      column += columns.state
    }
    grid.put(Format.duration(elapsed(job, now: state.now)), x: column, y: y, role: base, maxWidth: columns.time - 1)
    column += columns.time
    let detailWidth = min(columns.detail, max(0, x + width - column))
    if let loss = state.queue.connection[job.id], !job.status.isFinal {
      // Progress is frozen while the server is out of reach: say so instead of showing it.
      let message = detailWidth >= 38 ? loss.message(now: state.now) : loss.shortMessage(now: state.now)
      grid.put(message, x: column, y: y, role: selected ? base : .warning, maxWidth: detailWidth)
      return
    }
    switch job.status {
    case .queued:
      let position =
        job.progress.queuePosition.flatMap { $0 >= 0 && $0 < Int.max ? "#\($0 + 1) in line" : nil } ?? "in line"
      grid.put(position, x: column, y: y, role: statusRole, maxWidth: detailWidth)
    case .running:
      let done = job.progress.stepsDone ?? 0
      let total = job.progress.stepsTotal ?? 0
      let count = total > 0 && detailWidth >= 9 ? " \(done)/\(total)" : ""
      let barWidth = max(0, detailWidth - TextWidth.of(count))
      ProgressBar.draw(&grid, x: column, y: y, width: barWidth, done: done, total: total)
      grid.put(count, x: column + barWidth, y: y, role: base, maxWidth: detailWidth - barWidth)
    case .submitting:
      var text = "sending"
      if let transfer = state.queue.transfers[job.id], transfer.uploadTotal > 0 {
        text = "upload \(transfer.uploaded * 100 / transfer.uploadTotal)%"
      }
      grid.put(text, x: column, y: y, role: statusRole, maxWidth: detailWidth)
    case .completed:
      var text = job.localFile != nil ? "saved" : "done"
      if let transfer = state.queue.transfers[job.id], transfer.downloadTotal > 0 {
        text = "dl \(transfer.downloaded * 100 / transfer.downloadTotal)%"
      } else if let cost = job.billing?.cost {
        // "saved $0.32" read as money saved: the price is the job's cost, set apart as such. Where
        // both do not fit, "saved" (the file is what the user waits for; the history row and the
        // finish notice have the price).
        if detailWidth >= 14 { text += " · " + Format.price(cost) }
      }
      grid.put(text, x: column, y: y, role: statusRole, maxWidth: detailWidth)
    case .failed, .cancelled, .lost, .unknown:
      grid.put(job.failure?.type ?? job.status.rawValue, x: column, y: y, role: statusRole, maxWidth: detailWidth)
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
