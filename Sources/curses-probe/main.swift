// curses-probe: a tiny TUI the CursesTerminal tests drive through tmux.
//
// Draws a frame, a wide-glyph line, a selection-styled word and the last event; logs every event
// (one line each) to --log so tests can check exact sequences. Quits on `Q`, on SIGINT/SIGTERM/
// SIGHUP, restoring the terminal first, then prints "curses-probe: quit <reason>" to stdout.
//
// `A` draws the next frame of a picture row (cells with their own ANSI colours, a new mix each
// frame), to check that picture colours keep right when the terminal's colour pairs run out.
//
// `C` sends an OSC 52 copy of "probe clipboard" through the loop's escape channel, from another
// thread, as the studio's copies are.
//
// Flags: --log PATH, --no-mouse, --focus, --wake-after-ms N (a task wakes the loop once),
// --ignore-sighup (SIGHUP ignored once the terminal is set up: only the hung-up terminal can end it).
import CursesTerminal
import TerminalScreen

#if canImport(Glibc)
  import Glibc
#endif

func fail(_ message: String, status: Int32) -> Never {
  let bytes = Array("curses-probe: \(message)\n".utf8)
  _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
  exit(status)
}

var logFD: Int32 = -1
var mouse = true
var focus = false
var wakeAfter: Int?
var ignoreHangupSignal = false
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
  switch argument {
  case "--log":
    if let path = arguments.next() { logFD = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644) }
  case "--no-mouse": mouse = false
  case "--focus": focus = true
  case "--wake-after-ms": wakeAfter = arguments.next().flatMap { Int($0) }
  case "--ignore-sighup": ignoreHangupSignal = true
  default:
    fail("unknown argument \(argument)", status: 2)
  }
}

@MainActor func log(_ line: String) {
  guard logFD >= 0 else { return }
  let bytes = Array((line + "\n").utf8)
  _ = bytes.withUnsafeBytes { write(logFD, $0.baseAddress, $0.count) }
}

func describe(_ event: TerminalEvent) -> String {
  switch event {
  case .key(let key):
    switch key {
    case .character(let character): return "char \(character)"
    case .ctrl(let character): return "ctrl \(character)"
    case .alt(let character): return "alt \(character)"
    case .paste(let text): return "paste \(text.replacing("\n", with: "⏎"))"
    case .function(let number): return "f\(number)"
    default: return "\(key)"
    }
  case .mouse(let event): return "mouse \(event.kind) \(event.x),\(event.y)"
  case .resized(let width, let height): return "resize \(width)x\(height)"
  case .focus(let focused): return focused ? "focus in" : "focus out"
  }
}

let theme = Theme(
  name: "probe",
  styles: [
    .normal: RoleStyle(),
    .border: RoleStyle(foreground: .ansi(6)),
    .title: RoleStyle(attributes: [.bold]),
    .selection: RoleStyle(foreground: .ansi(15), background: .rgb(0, 0, 238)),
  ])

let wake: WakeSignal
let terminal: CursesTerminal
do {
  wake = try WakeSignal()
  terminal = try CursesTerminal(theme: theme, options: .init(mouse: mouse, focusReports: focus))
} catch {
  fail("\(error)", status: 1)
}
let loop = TerminalLoop(terminal: terminal, wake: wake)
if ignoreHangupSignal { signal(SIGHUP, SIG_IGN) }
log("pid \(getpid())")
log("depth \(terminal.colorDepth)")

var lastEvent = "none"
var eventCount = 0
var wakeCount = 0
var artFrame = 0

/// Frame `frame` of the picture row: `▀` cells whose ink and paper vary with the column and the frame.
func artColors(x: Int, frame: Int) -> CellColors {
  CellColors(foreground: .ansi(UInt8((x + frame) % 8)), background: .ansi(UInt8((x / 3 + 2 * frame) % 8)))
}

@MainActor func render() -> ScreenGrid {
  let (width, height) = terminal.size
  var grid = ScreenGrid(width: width, height: height)
  guard width >= 4, height >= 4 else { return grid }
  grid.put("┌" + String(repeating: "─", count: width - 2) + "┐", x: 0, y: 0, role: .border)
  for y in 1..<(height - 1) {
    grid.put("│", x: 0, y: y, role: .border)
    grid.put("│", x: width - 1, y: y, role: .border)
  }
  grid.put("└" + String(repeating: "─", count: width - 2) + "┘", x: 0, y: height - 1, role: .border)
  grid.put(" probe ", x: 2, y: 0, role: .title)
  let lines: [(String, StyleRole)] = [
    ("漢字 é ✔ 🎬 end", .normal),
    ("last: \(lastEvent)", .normal),
    ("events: \(eventCount) woken: \(wakeCount)", .normal),
    ("size: \(width)x\(height)", .normal),
  ]
  for (index, line) in lines.enumerated() where index + 1 < height - 1 {
    grid.put(line.0, x: 2, y: index + 1, role: line.1, maxWidth: width - 4)
  }
  if height > 7 { grid.put("selected", x: 2, y: 5, role: .selection) }
  if artFrame > 0, height > 9, width >= 28 {
    let cells = (0..<24).map { Cell("▀", colors: artColors(x: $0, frame: artFrame)) }
    grid.draw(CellArt(width: 24, height: 1, cells: cells), x: 2, y: 7)
  }
  return grid
}

if let wakeAfter {
  Task.detached {
    try? await Task.sleep(for: .milliseconds(wakeAfter))
    wake.wake()
  }
}

terminal.draw(render())
log("ready \(terminal.size.width)x\(terminal.size.height)")
var quitReason: String?
while quitReason == nil {
  for event in loop.next() {
    switch event {
    case .terminal(let terminalEvent):
      eventCount += 1
      lastEvent = describe(terminalEvent)
      log("event \(lastEvent)")
      if terminalEvent == .key(.character("Q")) { quitReason = "key Q" }
      if terminalEvent == .key(.character("A")) {
        artFrame += 1
        log("art \(artFrame)")
      }
      if terminalEvent == .key(.character("C")), let copy = TerminalEscapes.copyToClipboard("probe clipboard") {
        let escapes = loop.escapes
        Task.detached { escapes.send(copy) }
      }
    case .woken:
      wakeCount += 1
      log("woken")
    case .quitRequested(let signal):
      log("quit \(signal)")
      quitReason = "signal \(signal)"
    case .resumed:
      log("resumed")
    case .timeout:
      break
    }
  }
  if quitReason == nil { terminal.draw(render()) }
}
terminal.shutdown()
print("curses-probe: quit \(quitReason ?? "")")
log("exited")
