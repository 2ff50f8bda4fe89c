import TerminalScreen

/// A ``Dialog`` centred over the screen: its question and the keys that answer it.
///
/// The whole message is shown: a dialog states what an answer will do (the quit dialog says what
/// becomes of running jobs), so cutting it off mid-sentence would hide the truth. Only a screen too
/// short for it all ends the last line it has room for with "…".
enum DialogView {
  static func draw(_ grid: inout ScreenGrid, _ dialog: Dialog) {
    let width = min(60, grid.width - 4)
    var message = Box.wrap(dialog.message, width: width - 4)
    let room = max(1, grid.height - 6)  // borders, the blank line and the answers, a row of margin
    if message.count > room {
      message = Array(message.prefix(room))
      message[room - 1] = TextWidth.truncate(message[room - 1], to: width - 5, ellipsis: false) + "…"
    }
    let height = message.count + 4
    let rect = Rect(x: (grid.width - width) / 2, y: max(0, (grid.height - height) / 2), width: width, height: height)
    Box.overlay(&grid, rect, title: dialog.title)
    for (row, line) in message.enumerated() {
      grid.put(line, x: rect.x + 2, y: rect.y + 1 + row, role: .overlay, maxWidth: width - 4)
    }
    var x = rect.x + 2
    let y = rect.maxY - 2
    for answer in dialog.answers {
      x += grid.put("[\(answer.key)]", x: x, y: y, role: .key, maxWidth: rect.maxX - 1 - x)
      x += grid.put(" \(answer.label)  ", x: x, y: y, role: .overlay, maxWidth: rect.maxX - 1 - x)
    }
  }
}
