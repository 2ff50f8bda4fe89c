import FalProtocol
import TerminalScreen

/// A job's log in a box: newest lines at the bottom, scrolled back by the buffer's offset, every
/// line sanitised (a log is written by whoever runs the model; an escape sequence in it is shown
/// as text, never sent to the terminal).
public enum LogView {
  public static func draw(_ grid: inout ScreenGrid, _ rect: Rect, buffer: LogBuffer?, wrap: Bool = false) {
    guard rect.height > 0, rect.width > 0 else { return }
    guard let buffer, !buffer.entries.isEmpty else {
      grid.put("no log lines yet", x: rect.x, y: rect.y, role: .dim, maxWidth: rect.width)
      return
    }
    let showTime = rect.width > 20
    let end = buffer.entries.count - buffer.scrollBack
    // Rows bottom-up from the newest entry shown, until the box is full.
    var rows: [Row] = []
    var index = end
    while index > 0, rows.count < rect.height {
      index -= 1
      rows.insert(
        contentsOf: self.rows(buffer.entries[index], width: rect.width, showTime: showTime, wrap: wrap), at: 0)
    }
    for (row, line) in rows.suffix(rect.height).enumerated() {
      let y = rect.y + row
      var x = rect.x
      if showTime {
        x += grid.put(line.time.isEmpty ? "" : line.time + " ", x: x, y: y, role: .logTime, maxWidth: rect.width)
        if line.time.isEmpty, line.indented { x += timeWidth }
      }
      grid.put(line.text, x: x, y: y, role: line.role, maxWidth: rect.maxX - x)
    }
    if buffer.scrollBack > 0 {
      let tag = " ↓\(buffer.scrollBack) more "
      grid.put(tag, x: rect.maxX - TextWidth.of(tag), y: rect.maxY - 1, role: .accent)
    }
  }

  /// `12:34:56 `.
  static let timeWidth = 9

  struct Row {
    var time: String
    var text: String
    var role: StyleRole
    /// A continuation of a wrapped line: starts under the text, not under the time.
    var indented = false
  }

  /// The screen rows of one entry: one (cut with `…`), or as many as wrapping takes.
  static func rows(_ entry: LogEntry, width: Int, showTime: Bool, wrap: Bool) -> [Row] {
    let time = showTime ? clock(of: entry.timestamp) : ""
    let role: StyleRole =
      switch entry.level.uppercased() {
      case "ERROR", "CRITICAL", "FATAL": .error
      case "WARNING", "WARN": .warning
      default: .normal
      }
    let message = TerminalText.sanitizedLine(entry.message)
    let textWidth = width - (time.isEmpty ? 0 : timeWidth)
    guard wrap, textWidth > 0, TextWidth.of(message) > textWidth else {
      return [Row(time: time, text: message, role: role)]
    }
    return Box.wrap(message, width: textWidth).enumerated().map { index, text in
      Row(time: index == 0 ? time : "", text: text, role: role, indented: index > 0 && !time.isEmpty)
    }
  }

  /// `12:34:56` out of an ISO-8601 timestamp, or nothing when it is not one.
  static func clock(of timestamp: String) -> String {
    let characters = Array(timestamp)
    guard characters.count >= 19, characters[10] == "T" || characters[10] == " " else { return "" }
    let time = String(characters[11..<19])
    return TerminalText.isInert(time) ? time : ""
  }
}
