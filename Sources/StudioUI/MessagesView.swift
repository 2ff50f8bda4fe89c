import TerminalScreen

/// The session's messages over the whole screen, newest at the bottom, each with its time and
/// wrapped whole: the place to read what the message line had to cut or has already cleared.
enum MessagesView {
  static func draw(_ grid: inout ScreenGrid, _ state: AppState, back: Int) {
    let rect = Rect(x: 0, y: 0, width: grid.width, height: grid.height - 1)
    let log = state.messages
    Box.overlay(&grid, rect, title: "Messages — \(log.entries.count) this session (Esc closes)")
    let inner = rect.inset(by: 1)
    let lines = self.lines(log, width: inner.width, utcOffset: state.settings.utcOffsetSeconds)
    guard !lines.isEmpty else {
      grid.put("No messages yet", x: inner.x, y: inner.y, role: .dim, maxWidth: inner.width)
      return
    }
    let back = min(max(0, back), max(0, lines.count - inner.height))
    let end = lines.count - back
    let start = max(0, end - inner.height)
    for (row, line) in lines[start..<end].enumerated() {
      let y = inner.y + row
      if !line.time.isEmpty { grid.put(line.time, x: inner.x, y: y, role: .logTime) }
      grid.put(line.text, x: inner.x + timeWidth, y: y, role: line.role, maxWidth: inner.width - timeWidth)
    }
    if start > 0 {
      grid.put(" ↑\(start) older (k/PgUp) ", x: rect.maxX - 24, y: rect.y, role: .accent, maxWidth: 23)
    }
    if back > 0 {
      let tag = " ↓\(back) newer "
      grid.put(tag, x: rect.maxX - 1 - TextWidth.of(tag), y: rect.maxY - 1, role: .accent)
    }
  }

  /// `12:34:56 ` before each message.
  static let timeWidth = 9

  struct Line: Equatable {
    var time: String
    var text: String
    var role: StyleRole
  }

  /// Every message wrapped to `width` (its time on its first line only), oldest first.
  static func lines(_ log: MessageLog, width: Int, utcOffset: Int) -> [Line] {
    var lines: [Line] = []
    if log.dropped > 0 {
      lines.append(Line(time: "", text: "(\(log.dropped) older messages dropped)", role: .dim))
    }
    for entry in log.entries {
      let time = Format.clock(entry.at, utcOffset: utcOffset)
      let role = StatusBar.role(entry.notice.kind)
      for (index, text) in Box.wrap(entry.notice.text, width: max(1, width - timeWidth)).enumerated() {
        lines.append(Line(time: index == 0 ? time : "", text: text, role: role))
      }
    }
    return lines
  }

  /// How many wrapped lines the view holds at this screen size (for scrolling limits).
  static func lineCount(_ state: AppState) -> Int {
    lines(state.messages, width: max(1, state.width - 2), utcOffset: state.settings.utcOffsetSeconds).count
  }
}
