import CursesTerminal
import StudioRuntime
import TerminalScreen

#if canImport(Glibc)
  import Glibc
#endif

/// The ncurses terminal as the runtime's loop sees it: its poll loop's events in the runtime's
/// words, and the escapes the studio sends on purpose written straight to the terminal.
final class CursesStudioTerminal: StudioTerminal {
  private let terminal: CursesTerminal
  private let loop: TerminalLoop
  /// Escape sequences the studio sends on purpose (clipboard, notifications, bell), straight to
  /// the terminal between ncurses' refreshes.
  private let passthrough = TerminalPassthrough()

  init(terminal: CursesTerminal, wake: WakeSignal) {
    self.terminal = terminal
    loop = TerminalLoop(terminal: terminal, wake: wake)
  }

  var size: (width: Int, height: Int) { terminal.size }
  var colorDepth: ColorDepth { terminal.colorDepth }
  func draw(_ grid: ScreenGrid) { terminal.draw(grid) }
  func setTheme(_ theme: Theme) { terminal.setTheme(theme) }
  func send(escape sequence: String) { passthrough.write(sequence) }
  func shutdown() { terminal.shutdown() }

  func next(timeout: Duration?) -> [StudioTerminalEvent] {
    loop.next(timeout: timeout).map { event in
      switch event {
      case .terminal(let event): .terminal(event)
      case .woken: .woken
      // Ctrl-C (the terminal keeps signals) asks first when jobs run, as Ctrl-Q does.
      case .quitRequested(SIGINT): .interrupted
      case .quitRequested: .terminated
      case .resumed: .repainted
      case .timeout: .timeout
      }
    }
  }
}

/// The terminal's wake pipe wakes the runtime's loop.
extension WakeSignal: LoopWaker {}

/// Writes deliberate escape sequences to the controlling terminal.
final class TerminalPassthrough {
  private let fd = open("/dev/tty", O_WRONLY | O_CLOEXEC)

  deinit { if fd >= 0 { close(fd) } }

  func write(_ sequence: String) {
    guard fd >= 0 else { return }
    var bytes = Array(sequence.utf8)
    var offset = 0
    while offset < bytes.count {
      let written = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
      if written <= 0 { return }
      offset += written
    }
  }
}
