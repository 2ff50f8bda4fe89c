import TerminalScreen

/// Which line of the form box shows what: shared by the view (to draw) and by `update` (to map a
/// click to a field), and scrolled so the focused field is always in view on small terminals.
struct FormLayout {
  enum Line: Hashable {
    case general
    case field(FormField, Int)
    case message(FormField, Int)
    case completion(Int)
    case estimate
  }

  /// Columns for the labels; values start after them.
  static let labelWidth = 9
  static let maxCompletions = 3

  let rect: Rect
  /// The lines on screen, top to bottom, starting at `rect.y`.
  let lines: [Line]
  let promptHeight: Int

  init(_ form: FormState, in rect: Rect) {
    self.rect = rect
    var before: [Line] = []
    if form.generalError != nil { before.append(.general) }
    let messageWidth = max(1, rect.width - Self.labelWidth - 2)
    let messageLines = { (field: FormField) -> Int in
      form.message(for: field).map { min(2, Box.wrap($0, width: messageWidth).count) } ?? 0
    }
    var fixedCount = before.count
    for field in form.visibleFields {
      if field != .prompt { fixedCount += 1 }
      fixedCount += messageLines(field)
      if field == .source { fixedCount += min(form.completions.count, Self.maxCompletions) }
      if field == .submit { fixedCount += 1 }
    }
    let promptHeight = max(2, min(12, rect.height - fixedCount))
    self.promptHeight = promptHeight
    var all = before
    for field in form.visibleFields {
      if field == .submit { all.append(.estimate) }
      let count = field == .prompt ? promptHeight : 1
      for index in 0..<count { all.append(.field(field, index)) }
      for index in 0..<messageLines(field) { all.append(.message(field, index)) }
      if field == .source {
        for index in 0..<min(form.completions.count, Self.maxCompletions) { all.append(.completion(index)) }
      }
    }
    // Scroll (only ever needed near the minimum size) so the focused field is fully visible.
    var top = 0
    if all.count > rect.height {
      let focusedLines = all.indices.filter { index in
        switch all[index] {
        case .field(let field, _), .message(let field, _): field == form.focus
        default: false
        }
      }
      if let last = focusedLines.last, last >= rect.height { top = last - rect.height + 1 }
      if let first = focusedLines.first, first < top { top = first }
    }
    lines = Array(all.dropFirst(top).prefix(rect.height))
  }

  func field(atY y: Int) -> FormField? {
    let index = y - rect.y
    guard lines.indices.contains(index) else { return nil }
    switch lines[index] {
    case .field(let field, _), .message(let field, _): return field
    case .completion: return .source
    case .estimate: return .submit
    case .general: return nil
    }
  }
}
