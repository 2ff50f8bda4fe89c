import HistoryModel
import TerminalScreen

/// The bottom two rows: the message line (what just happened) and the status bar (backend badge,
/// mode, the form's estimated units and price, and the keys that matter right now).
enum StatusBar {
  static func draw(_ grid: inout ScreenGrid, _ state: AppState, layout: Layout) {
    drawMessage(&grid, state, y: layout.messageRow)
    let y = layout.statusRow
    grid.fill(Rect(x: 0, y: y, width: grid.width, height: 1), role: .statusBar)
    // The mode first, as helix shows it: whether keys type or command.
    let mode = state.inputMode
    var x = grid.put(" \(mode.rawValue) ", x: 0, y: y, role: mode == .edit ? .inputFocused : .selection)
    let form = state.form
    let estimate = form.estimate(pricePerUnit: state.settings.price(for: form.model))
    let units = "\(Format.units(estimate.units)) u ≈ \(Format.price(estimate.price))"
    let price = Format.price(estimate.price)
    let hints = self.hints(state)
    let loss = state.queue.connection.values.min(by: { $0.retryAt < $1.retryAt })
    // A job's server stopped answering: the badge is not green while it is out of reach.
    let badge: (full: String, short: String, role: StyleRole) =
      if let loss {
        (
          " ⚠ \(state.backendLabel): \(loss.message(now: state.now)) ", " ⚠ \(loss.message(now: state.now)) ",
          .badgeOffline
        )
      } else if state.online {
        (" ● \(state.backendLabel) ", " ● \(Self.firstWord(state.backendLabel)) ", .badgeOnline)
      } else {
        (" ◌ \(state.backendLabel) ", " ◌ \(Self.firstWord(state.backendLabel)) ", .badgeOffline)
      }
    // Narrower terminals get shorter words before they lose the hints: the price always stays.
    let short = "\(Format.modeShort(form.mode)) \(form.model.rawValue)"
    var candidates = [
      (badge.full, " \(form.mode.title) · \(form.model.rawValue) · \(units) "),
      (badge.full, " \(short) · \(units) "),
      (badge.short, " \(short) · \(units) "),
      (badge.short, " \(short) · \(price) "),
    ]
    // With a daily budget, today's spend against it comes before anything but the badge drops.
    // (the form shows its own price).
    var fallback = candidates[1]
    if let spend = spendToday(state) {
      candidates = candidates.map { ($0.0, $0.1 + "· \(spend) ") } + [(badge.short, " \(spend) ")]
      fallback = candidates[4]
    }
    let hintsWidth = TextWidth.of(hints)
    let chosen =
      candidates.first { x + TextWidth.of($0.0) + TextWidth.of($0.1) + hintsWidth + 1 <= grid.width } ?? fallback
    x += grid.put(chosen.0, x: x, y: y, role: badge.role, maxWidth: grid.width - x)
    x += grid.put(chosen.1, x: x, y: y, role: .statusBar, maxWidth: grid.width - x)
    if x + hintsWidth + 1 <= grid.width {
      grid.put(hints, x: grid.width - hintsWidth - 1, y: y, role: .statusBar)
    }
  }

  /// `$1.20/$5.00 today` when config.toml sets `budget.per_day` (`…` until the history is read).
  static func spendToday(_ state: AppState) -> String? {
    let budget = state.settings.budget
    if let limit = budget.perDay {
      return "\(state.spentToday.map { Format.price($0.dollars) } ?? "…")/\(Format.price(limit)) today"
    }
    guard let limit = budget.perDayUnits else { return nil }
    return "\(state.spentToday.map { Budget.units($0.units) } ?? "…")/\(Budget.units(limit)) u today"
  }

  /// "OFFLINE emulator" → "OFFLINE": the badge in a narrow status bar.
  static func firstWord(_ label: String) -> String {
    String(label.split(separator: " ").first ?? Substring(label))
  }

  static func drawMessage(_ grid: inout ScreenGrid, _ state: AppState, y: Int) {
    guard let notice = state.notice else {
      let active = state.queue.activeCount
      if active > 0 {
        grid.put(" \(active) job\(active == 1 ? "" : "s") in flight", x: 0, y: y, role: .dim)
      } else if state.queue.jobs.isEmpty {
        grid.put(
          " Enter: edit · Tab: next pane · Ctrl-S: submit · ?: every key · Ctrl-P: commands", x: 0, y: y, role: .dim)
      }
      return
    }
    // A notice of several lines (a config error list) shows its first; `M` shows it whole.
    let first = notice.text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
    let more = first.count < notice.text.count ? " (M: more)" : ""
    grid.put(" " + first + more, x: 0, y: y, role: role(notice.kind), maxWidth: grid.width)
  }

  static func role(_ kind: Notice.Kind) -> StyleRole {
    switch kind {
    case .info: .normal
    case .success: .success
    case .warning: .warning
    case .error: .error
    }
  }

  /// The few keys worth showing for where the user is (the rest are under `?`).
  static func hints(_ state: AppState) -> String {
    if state.dialog != nil { return "y/n answer" }
    switch state.overlay {
    case .help: return "Esc close  j/k scroll"
    case .palette: return "Enter run  Esc close"
    case .detail: return "Esc close  + zoom  ? help"
    case .messages: return "Esc close  j/k scroll"
    case .compare: return "s star  D discard others  Esc close"
    case nil: break
    }
    if state.isTyping {
      if state.focus == .history { return "Enter keep  Esc clear" }
      return state.form.focus.isNumber ? "digits  Enter/Esc done" : "Esc done  ^S submit  Tab next"
    }
    switch state.focus {
    case .form: return "i edit  ? help  : cmds  ^S submit"
    case .queue: return "c cancel  o open  ? help"
    case .history:
      if let batch = state.history.selectedBatch {
        return state.history.isExpanded(batch) ? "← close  r rerun batch  ? help" : "→ open  r rerun batch  ? help"
      }
      return "/ filter  x extend  r rerun  ? help"
    }
  }
}
