import Dispatch
import StudioRuntime
import Synchronization
import TerminalScreen
import TestSupport

/// A terminal the tests script: events pushed from the test, frames and escapes recorded. Its
/// ``next(timeout:)`` blocks the loop's own thread (never a pool thread) until an event or a
/// wake-up arrives.
final class FakeTerminal: StudioTerminal, LoopWaker, Sendable {
  private struct State {
    var pending: [StudioTerminalEvent] = []
    var woken = false
    var theme: Theme?
    var isShutDown = false
  }

  private let state = Mutex(State())
  private let arrived = DispatchSemaphore(value: 0)
  /// Every frame drawn, as text.
  let frames = Recorder<String>()
  /// One entry per Ctrl-L repaint.
  let repaints = Recorder<Int>()
  let width: Int
  let height: Int

  init(width: Int = 100, height: Int = 30) {
    self.width = width
    self.height = height
  }

  var size: (width: Int, height: Int) { (width, height) }
  var isShutDown: Bool { state.withLock { $0.isShutDown } }
  /// The theme last set, if any was.
  var theme: Theme? { state.withLock { $0.theme } }

  func draw(_ grid: ScreenGrid) { frames.append(grid.textDump()) }
  func setTheme(_ theme: Theme) { state.withLock { $0.theme = theme } }
  func repaintAll() { repaints.append(repaints.items.count + 1) }
  func shutdown() { state.withLock { $0.isShutDown = true } }

  func push(_ event: StudioTerminalEvent) {
    state.withLock { $0.pending.append(event) }
    arrived.signal()
  }

  func wake() {
    state.withLock { $0.woken = true }
    arrived.signal()
  }

  func next(timeout: Duration?) -> [StudioTerminalEvent] {
    while true {
      let events = state.withLock { state in
        var events = state.pending
        if state.woken { events.append(.woken) }
        state.pending = []
        state.woken = false
        return events
      }
      if !events.isEmpty { return events }
      if let timeout {
        let (seconds, attoseconds) = timeout.components
        let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        if arrived.wait(timeout: .now() + .nanoseconds(nanoseconds)) == .timedOut { return [.timeout] }
      } else {
        arrived.wait()
      }
    }
  }
}

/// The user's terminal beyond the studio's, recording what the runtime sends it.
final class FakeOuterTerminal: OuterTerminalLink {
  let copies = Recorder<String>()
  let notices = Recorder<String>()
  let bells = Recorder<Bool>()

  func copy(_ text: String, describedAs what: String) async -> String {
    copies.append(text)
    return "asked your terminal to copy \(what)"
  }

  func copy(url: String) async -> String {
    copies.append(url)
    return "asked your terminal to copy the URL"
  }

  func notify(title: String, body: String, ring: Bool) async {
    notices.append("\(title): \(body)")
  }

  func bell() { bells.append(true) }
}
