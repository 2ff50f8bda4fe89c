import CursesTerminal
import StudioRuntime
import TerminalScreen

#if canImport(Glibc)
  import Glibc
#endif

/// The ncurses terminal as the runtime's loop sees it: its poll loop's events in the runtime's
/// words.
final class CursesStudioTerminal: StudioTerminal {
  private let terminal: CursesTerminal
  private let loop: TerminalLoop

  init(terminal: CursesTerminal, wake: WakeSignal) {
    self.terminal = terminal
    loop = TerminalLoop(terminal: terminal, wake: wake)
  }

  var size: (width: Int, height: Int) { terminal.size }
  func draw(_ grid: ScreenGrid) { terminal.draw(grid) }
  func setTheme(_ theme: Theme) { terminal.setTheme(theme) }
  func repaintAll() { terminal.repaintAll() }
  /// Where the outer terminal's sequences go: written by the loop after each frame.
  var escapes: EscapeChannel { loop.escapes }
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

/// The terminal side's outer terminal, in the words the runtime's notices use (`notify` and `bell`
/// are its own).
extension OuterTerminal: OuterTerminalLink {
  public func copy(_ text: String, describedAs what: String) async -> String {
    await copy(text).describe(what)
  }

  public func copy(url: String) async -> String {
    await copy(url).note(aboutURL: url)
  }
}
