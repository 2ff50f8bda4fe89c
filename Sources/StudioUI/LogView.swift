import FalProtocol
import TerminalScreen

/// A job's log in a box: newest lines at the bottom, scrolled back by the buffer's offset, every
/// line sanitised (a log is written by whoever runs the model; an escape sequence in it is shown
/// as text, never sent to the terminal).
public enum LogView {
  public static func draw(_ grid: inout ScreenGrid, _ rect: Rect, buffer: LogBuffer?) {
    guard rect.height > 0, rect.width > 0 else { return }
    guard let buffer, !buffer.entries.isEmpty else {
      grid.put("no log lines yet", x: rect.x, y: rect.y, role: .dim, maxWidth: rect.width)
      return
    }
    let end = buffer.entries.count - buffer.scrollBack
    let start = max(0, end - rect.height)
    for (row, entry) in buffer.entries[start..<end].enumerated() {
      let y = rect.y + row
      let time = clock(of: entry.timestamp)
      var x = rect.x
      if !time.isEmpty, rect.width > 20 {
        x += grid.put(time + " ", x: x, y: y, role: .logTime, maxWidth: rect.width)
      }
      let role: StyleRole =
        switch entry.level.uppercased() {
        case "ERROR", "CRITICAL", "FATAL": .error
        case "WARNING", "WARN": .warning
        default: .normal
        }
      grid.put(TerminalText.sanitizedLine(entry.message), x: x, y: y, role: role, maxWidth: rect.maxX - x)
    }
    if buffer.scrollBack > 0 {
      let tag = " ↓\(buffer.scrollBack) more "
      grid.put(tag, x: rect.maxX - TextWidth.of(tag), y: rect.maxY - 1, role: .accent)
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
