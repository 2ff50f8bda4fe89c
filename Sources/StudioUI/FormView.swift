import FalProtocol
import TerminalScreen

/// The form pane: one line per parameter, the prompt editor, messages under the fields they are
/// about, the estimate and the Submit button.
enum FormView {
  static func draw(_ grid: inout ScreenGrid, _ state: AppState, rect: Rect) {
    let form = state.form
    let focused = state.focus == .form && state.overlay == nil && state.dialog == nil
    let badge = form.parentID.map { "extends \($0)" }
    Box.draw(&grid, rect, title: Pane.form.title, focused: focused, badge: badge)
    let inner = rect.inset(by: 1)
    let layout = FormLayout(form, in: inner)
    let valueX = inner.x + FormLayout.labelWidth
    let valueWidth = max(1, inner.maxX - valueX)
    let estimate = form.estimate(pricePerUnit: state.settings.price(for: form.model))

    for (row, line) in layout.lines.enumerated() {
      let y = inner.y + row
      switch line {
      case .general:
        grid.put("✗ " + (form.generalError ?? ""), x: inner.x, y: y, role: .error, maxWidth: inner.width)
      case .estimate:
        let jobs = form.jobCount
        // A batch says how many jobs before anything: the total is theirs together.
        let text =
          jobs > 1
          ? "\(jobs) jobs · \(Format.units(estimate.units)) u · \(Format.price(estimate.price))"
          : "≈ \(Format.units(estimate.units)) units · \(Format.price(estimate.price))"
        grid.put(text, x: valueX, y: y, role: .dim, maxWidth: valueWidth)
      case .message(let field, let index):
        let lines = Box.wrap(form.message(for: field) ?? "", width: max(1, valueWidth - 2))
        guard lines.indices.contains(index) else { break }
        let last = index == 1 && lines.count > 2
        let text = last ? TextWidth.truncate(lines[1] + " " + lines[2], to: valueWidth - 2) : lines[index]
        grid.put((index == 0 ? "✗ " : "  ") + text, x: valueX, y: y, role: .error, maxWidth: valueWidth)
      case .completion(let index):
        let shown = FormLayout.maxCompletions
        let text =
          index == shown - 1 && form.completions.count > shown
          ? "… \(form.completions.count - shown + 1) more" : form.completions[index]
        grid.put(text, x: valueX + 1, y: y, role: .dim, maxWidth: valueWidth - 1)
      case .field(let field, let index):
        let isFocused = focused && form.focus == field
        if index == 0 {
          let marker = form.focus == field ? "›" : " "
          let labelRole: StyleRole = isFocused ? .accent : (form.message(for: field) != nil ? .error : .label)
          grid.put(marker + field.label, x: inner.x, y: y, role: labelRole, maxWidth: FormLayout.labelWidth - 1)
        }
        drawValue(
          &grid, state, field: field, line: index, focused: isFocused, x: valueX, y: y, width: valueWidth,
          promptHeight: layout.promptHeight)
      }
    }
    if rect == Layout(width: state.width, height: state.height).form { drawSource(&grid, state) }
  }

  /// The source's thumbnail under the form, with what it shows.
  static func drawSource(_ grid: inout ScreenGrid, _ state: AppState) {
    guard let source = state.preview.source, let area = PreviewLayout.sourceThumbnailArea(state) else { return }
    switch source.content {
    case .loading, .unavailable:
      PreviewView.drawPlaceholder(&grid, source.content, loading: "loading source…", in: area)
    case .pictures(let pictures):
      guard let picture = pictures.first else { return }
      let frame = SourceThumbnail.frame
      PreviewView.drawPicture(
        &grid, picture, in: Rect(x: area.x, y: area.y, width: frame.columns, height: frame.rows))
      let caption = source.isVideo ? "continues from \(PreviewView.time(picture.time))" : "source image"
      grid.put(caption, x: area.x, y: area.y + frame.rows, role: .dim, maxWidth: area.width)
    }
  }

  static func drawValue(
    _ grid: inout ScreenGrid, _ state: AppState, field: FormField, line: Int, focused: Bool, x: Int, y: Int, width: Int,
    promptHeight: Int
  ) {
    let form = state.form
    let role: StyleRole = focused ? .inputFocused : .input
    let editing = focused && form.editing
    // A number just entered in EDIT mode shows as selected: the first digit typed replaces it.
    let numberRole: StyleRole = editing && form.replacesNumber ? .selection : role
    func choice(_ text: String) {
      let used = grid.put(text, x: x, y: y, role: role, maxWidth: width)
      if focused { grid.put(" ◂▸", x: x + used, y: y, role: .key, maxWidth: width - used) }
    }
    /// A number field: its digits (the caret after them in EDIT mode), or what empty means.
    func number(_ digits: String, placeholder: String) {
      if digits.isEmpty {
        grid.put(editing ? "" : placeholder, x: x, y: y, role: .placeholder, maxWidth: width)
        if editing { grid.cursor = (x, y) }
        return
      }
      let used = grid.put(digits, x: x, y: y, role: numberRole, maxWidth: width)
      if editing { grid.cursor = (min(x + used, x + width - 1), y) }
    }
    switch field {
    case .mode: choice(form.mode.title)
    case .model: choice(form.model.rawValue)
    case .steps: choice("\(form.steps) steps")
    case .resolution: choice(form.resolution)
    case .aspectRatio: choice(form.aspectRatio)
    case .safety: choice(form.safetyChecker ? "checker on" : "checker off")
    case .frames:
      // Any typed number is drawn (an 18-digit one overflowed `frames * 10`).
      let seconds = Double(Int(form.frames) ?? 0) / Double(MagiSchema.framesPerSecond)
      let used = grid.put(form.frames, x: x, y: y, role: numberRole, maxWidth: width)
      if editing { grid.cursor = (min(x + used, x + width - 1), y) }
      grid.put("  \(Format.units(seconds)) s", x: x + used, y: y, role: .dim, maxWidth: width - used)
    case .seed:
      number(form.seed, placeholder: "random")
    case .startFrame:
      number(form.startFrame, placeholder: "default")
    case .submit:
      let jobs = form.jobCount
      let label =
        form.submitting ? "[ Submitting… ]" : jobs > 1 ? "[ Submit \(jobs) jobs  Ctrl-S ]" : "[ Submit  Ctrl-S ]"
      grid.put(label, x: x, y: y, role: focused ? .selection : .accent, maxWidth: width)
    case .webhook:
      drawEditor(
        &grid, form.webhook, placeholder: "none (http(s) URL)", editing: editing,
        role: role, rect: Rect(x: x, y: y, width: width, height: 1), line: 0)
    case .variations:
      drawEditor(
        &grid, form.variations, placeholder: "none (seeds=4 steps=8,16)", editing: editing, role: role,
        rect: Rect(x: x, y: y, width: width, height: 1), line: 0)
    case .source:
      let placeholder = "local path or URL (Tab completes)"
      drawEditor(
        &grid, form.source, placeholder: placeholder, editing: editing, role: role,
        rect: Rect(x: x, y: y, width: width, height: 1), line: 0)
    case .prompt:
      drawEditor(
        &grid, form.prompt, placeholder: "Describe the video…", editing: editing, role: role,
        rect: Rect(x: x, y: y - line, width: width, height: promptHeight), line: line)
    }
  }

  /// One line (`line`) of a text editor shown in `rect`, soft-wrapped and scrolled to the caret;
  /// the caret becomes the terminal cursor while editing.
  static func drawEditor(
    _ grid: inout ScreenGrid, _ editor: TextEditor, placeholder: String, editing: Bool, role: StyleRole, rect: Rect,
    line: Int
  ) {
    let y = rect.y + line
    if editor.isEmpty {
      if line == 0 {
        grid.put(placeholder, x: rect.x, y: y, role: .placeholder, maxWidth: rect.width)
        if editing { grid.cursor = (rect.x, y) }
      }
      return
    }
    grid.fill(Rect(x: rect.x, y: y, width: rect.width, height: 1), role: role)
    if rect.height == 1 {
      // One-line field: scroll sideways so the caret stays in view.
      let layout = editor.layout(width: 100_000)
      let text = layout.lines.first ?? ""
      let caret = layout.caretColumn
      var skip = max(0, caret - rect.width + 1)
      var characters = Substring(text)
      while skip > 0, let first = characters.first {
        skip -= TextWidth.of(first)
        characters = characters.dropFirst()
      }
      let shownFrom = TextWidth.of(text) - TextWidth.of(characters)
      grid.put(String(characters), x: rect.x, y: y, role: role, maxWidth: rect.width)
      if editing { grid.cursor = (rect.x + caret - shownFrom, y) }
      return
    }
    let layout = editor.layout(width: rect.width)
    let top = max(0, layout.caretLine - rect.height + 1)
    let index = top + line
    if layout.lines.indices.contains(index) {
      grid.put(layout.lines[index], x: rect.x, y: y, role: role, maxWidth: rect.width)
    }
    if editing, index == layout.caretLine { grid.cursor = (rect.x + layout.caretColumn, y) }
    if line == rect.height - 1, top + rect.height < layout.lines.count {
      grid.put("↓", x: rect.maxX - 1, y: y, role: .accent)
    }
    if line == 0, top > 0 { grid.put("↑", x: rect.maxX - 1, y: y, role: .accent) }
  }
}
