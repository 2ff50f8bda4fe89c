import HistoryModel
import TerminalScreen

/// The history pane: the filter line with the count, then the window of summaries, newest first.
enum HistoryView {
  static func draw(_ grid: inout ScreenGrid, _ state: AppState, layout: Layout) {
    let history = state.history
    let focused = state.focus == .history && state.overlay == nil && state.dialog == nil
    Box.draw(
      &grid, layout.history, title: Pane.history.title, focused: focused,
      badge: history.loading != nil ? "loading" : nil)
    let list = layout.historyList
    let filterY = list.y - 1
    let noun =
      history.filter.isEmpty ? (history.total == 1 ? "item" : "items") : (history.total == 1 ? "match" : "matches")
    var count = history.loaded ? "\(history.total) \(noun)" : ""
    if !history.marked.isEmpty { count = "\(history.marked.count) marked · " + count }
    if history.sort == .cost { count += " · by cost" }
    let countWidth = TextWidth.of(count)
    let filterWidth = max(1, list.width - countWidth - 3)
    var x = list.x + grid.put("/ ", x: list.x, y: filterY, role: .key)
    if history.filter.isEmpty && !history.filterEditing {
      grid.put(
        "filter: text status:failed mode:i2v model:full since:2d", x: x, y: filterY, role: .placeholder,
        maxWidth: filterWidth)
    } else {
      FormView.drawEditor(
        &grid, history.filter, placeholder: "", editing: history.filterEditing && focused,
        role: history.filterEditing ? .inputFocused : .input,
        rect: Rect(x: x, y: filterY, width: filterWidth, height: 1),
        line: 0)
    }
    x = list.maxX - countWidth
    grid.put(count, x: x, y: filterY, role: .dim)

    if history.loaded, history.total == 0 {
      let message = history.filter.isEmpty ? "Nothing generated yet" : "No match for the filter"
      grid.put(message, x: list.x, y: list.y, role: .dim, maxWidth: list.width)
      return
    }
    if !history.loaded {
      grid.put("Loading…", x: list.x, y: list.y, role: .dim, maxWidth: list.width)
      return
    }
    let columns = Columns(width: list.width, byCost: history.sort == .cost)
    let selectedLine = history.selectedLine
    for (index, line) in history.lines(from: history.scrollTop, limit: list.height).enumerated() {
      let y = list.y + index
      let selected = line == selectedLine
      let base: StyleRole = selected ? (focused ? .selection : .dim) : .normal
      if selected { grid.fill(Rect(x: list.x, y: y, width: list.width, height: 1), role: base) }
      switch line {
      case .batch(let group):
        drawBatchRow(&grid, group, history: history, base: base, selected: selected, x: list.x, y: y, width: list.width)
      case .record(let row):
        guard let summary = history.summary(at: row) else {
          grid.put("…", x: list.x, y: y, role: selected ? base : .dim)
          continue
        }
        drawRow(
          &grid, summary, detail: history.details[summary.id], marked: history.marked[summary.id] != nil,
          columns: columns, state: state, base: base, selected: selected, x: list.x, y: y, width: list.width)
        if let group = history.batchGroup(atRow: row), !history.marked.keys.contains(summary.id) {
          // A batch's job, under its open batch row.
          grid.put(row == group.rows.upperBound ? "└" : "├", x: list.x, y: y, role: selected ? base : .dim)
        }
      }
    }
  }

  /// `▸ batch 4 jobs · 3 done 1 failed · $0.80 · prompt`: a batch at a glance (▾ when open).
  static func drawBatchRow(
    _ grid: inout ScreenGrid, _ group: HistoryState.BatchGroup, history: HistoryState, base: StyleRole,
    selected: Bool, x: Int, y: Int, width: Int
  ) {
    grid.put(history.isExpanded(group) ? "▾" : "▸", x: x + 1, y: y, role: selected ? base : .accent)
    let text = batchSummary(group, details: history.details) + " · " + (group.members.last?.prompt ?? "")
    let flat = text.utf8.contains(0x0A) ? text.replacing("\n", with: " ") : text
    grid.put(flat, x: x + 3, y: y, role: base, maxWidth: max(0, width - 3))
  }

  /// `batch 4 jobs · 3 done 1 failed · ★ · $0.80`: the counts by how the jobs stand, a star when
  /// one of them is a compare's winner, and what the billed ones cost.
  static func batchSummary(_ group: HistoryState.BatchGroup, details: [String: RowDetail]) -> String {
    let statuses = group.members.map(\.status)
    var parts: [String] = []
    let tallies: [(String, (GenerationStatus) -> Bool)] = [
      ("done", { $0 == .completed }), ("running", { !$0.isFinal }), ("failed", { $0 == .failed || $0 == .lost }),
      ("cancelled", { $0 == .cancelled }), ("unknown", { $0 == .unknown }),
    ]
    for (word, test) in tallies {
      let count = statuses.filter(test).count
      if count > 0 { parts.append("\(count) \(word)") }
    }
    var text = "batch \(group.members.count) jobs · " + parts.joined(separator: " ")
    // A compare's winner shows on the closed row too.
    let starred = group.members.filter { details[$0.id]?.starred == true }.count
    if starred > 0 { text += " · ★\(starred == 1 ? "" : " \(starred)")" }
    let costs = group.members.compactMap { details[$0.id]?.cost }
    if !costs.isEmpty { text += " · " + Format.price(costs.reduce(0, +)) }
    return text
  }

  /// The optional columns, most telling first: each appears once the prompt keeps
  /// ``Columns/minimumPrompt`` columns beside it.
  enum Column: CaseIterable {
    case mode, cost, model, resolution, frames, date

    var width: Int {
      switch self {
      case .mode: 4
      case .model: 5
      case .cost: 7
      case .resolution: 6
      case .frames: 6
      case .date: 12
      }
    }
  }

  struct Columns: Equatable {
    static let minimumPrompt = 24
    /// Mark, state glyph and on-disk marker: always there.
    static let fixed = 5
    var shown: Set<Column> = []

    /// Sorted by cost, the cost column comes first: the order must show what it is by.
    init(width: Int, byCost: Bool = false) {
      var left = width - Self.fixed - Self.minimumPrompt
      let order = byCost ? [.cost] + Column.allCases.filter { $0 != .cost } : Column.allCases
      for column in order where column.width <= left {
        shown.insert(column)
        left -= column.width
      }
    }
  }

  static func drawRow(
    _ grid: inout ScreenGrid, _ summary: HistorySummary, detail: RowDetail?, marked: Bool, columns: Columns,
    state: AppState, base: StyleRole, selected: Bool, x: Int, y: Int, width: Int
  ) {
    let dim = selected ? base : StyleRole.dim
    var column = x
    func put(_ text: String, _ span: Int, _ role: StyleRole) {
      grid.put(text, x: column, y: y, role: role, maxWidth: max(0, min(span - 1, x + width - column)))
      column += span
    }
    grid.put(marked ? "●" : " ", x: column, y: y, role: selected ? base : .accent)
    column += 1
    grid.put(Format.glyph(summary.status), x: column, y: y, role: selected ? base : Format.role(summary.status))
    column += 2
    // ■ the video is on this machine, □ finished but not (yet, or no longer) on disk.
    let disk = detail.map { $0.onDisk ? "■" : summary.status == .completed ? "□" : " " } ?? " "
    grid.put(disk, x: column, y: y, role: selected ? base : detail?.onDisk == true ? .success : .dim)
    column += 2
    if columns.shown.contains(.date) {
      put(Format.shortDate(summary.createdAt, utcOffset: state.settings.utcOffsetSeconds), Column.date.width, dim)
    }
    if columns.shown.contains(.mode) { put(Format.modeShort(summary.mode), Column.mode.width, dim) }
    if columns.shown.contains(.model) { put(summary.model == .full ? "full" : "dist", Column.model.width, dim) }
    if columns.shown.contains(.resolution) { put(detail?.resolution ?? "", Column.resolution.width, dim) }
    if columns.shown.contains(.frames) { put(detail?.frames.map { "\($0)f" } ?? "", Column.frames.width, dim) }
    if columns.shown.contains(.cost) { put(detail?.cost.map(Format.price) ?? "", Column.cost.width, dim) }
    if detail?.starred == true {
      // The winner of a compare, before its prompt.
      column += grid.put("★ ", x: column, y: y, role: selected ? base : .accent, maxWidth: x + width - column)
    }
    let prompt = summary.prompt.utf8.contains(0x0A) ? summary.prompt.replacing("\n", with: " ") : summary.prompt
    grid.put(prompt, x: column, y: y, role: base, maxWidth: x + width - column)
  }
}
