import CNcursesw
import TerminalScreen

#if canImport(Glibc)
  import Glibc
#endif

/// The UI thread's sleep: `poll()` on the terminal, the wake pipe and the signal pipe.
///
/// With no timeout it sleeps until something happens, so an idle studio makes no wake-ups at all;
/// a timeout is only for when the app shows something that changes by itself (a clock).
///
/// A typical loop (all on the UI thread):
/// ```swift
/// let wake = try WakeSignal()            // hand `wake` to tasks; they post to the inbox, then wake()
/// let terminal = try CursesTerminal(theme: theme)
/// let loop = TerminalLoop(terminal: terminal, wake: wake)
/// terminal.draw(render(state))
/// running: while true {
///   for event in loop.next(timeout: state.wakeIn) {
///     switch event {
///     case .terminal(let event): state.handle(event)
///     case .woken: state.apply(inbox.takeAll())
///     case .quitRequested: break running
///     case .resumed, .timeout: break
///     }
///   }
///   terminal.draw(render(state))
/// }
/// terminal.shutdown()
/// ```
///
/// Signals: SIGWINCH → ``CursesTerminal`` resizes ncurses and the loop reports
/// `.terminal(.resized)`; SIGTSTP (Ctrl-Z) → the terminal is restored, the process really stops,
/// and on `fg` it is taken back and repainted (`.resumed`); SIGCONT after a stop someone else
/// caused → full repaint (`.resumed`); SIGINT/SIGTERM/SIGHUP → `.quitRequested`. Signals are only
/// looked at here, so an app busy elsewhere on the UI thread handles them when it comes back.
///
/// Non-Sendable; lives on the UI thread with its terminal.
public final class TerminalLoop {
  public let terminal: CursesTerminal
  public let wakeSignal: WakeSignal
  /// Escape sequences for the outer terminal, written by ``next(timeout:)`` after the frame.
  public let escapes: EscapeChannel

  public init(terminal: CursesTerminal, wake: WakeSignal) {
    self.terminal = terminal
    self.wakeSignal = wake
    escapes = EscapeChannel(wake: wake)
  }

  /// Sleeps until the terminal has input, ``WakeSignal/wake()`` is called, a signal arrives, or
  /// `timeout` passes (nil: no timeout). Returns every source that is ready; nothing is consumed.
  public func wait(timeout: Duration?) -> LoopWake {
    let deadline = timeout.map { ContinuousClock.now + $0 }
    var fds = [
      pollfd(fd: terminal.inputFileDescriptor, events: Int16(POLLIN), revents: 0),
      pollfd(fd: wakeSignal.fileDescriptor, events: Int16(POLLIN), revents: 0),
      pollfd(fd: terminal.signals.fileDescriptor, events: Int16(POLLIN), revents: 0),
    ]
    while true {
      var milliseconds: Int32 = -1
      if let deadline {
        let remaining = ContinuousClock.now.duration(to: deadline)
        let (seconds, attoseconds) = remaining.components
        let total = max(0, seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
        milliseconds = Int32(min(total, Int64(Int32.max)))
      }
      for index in fds.indices { fds[index].revents = 0 }
      let result = poll(&fds, nfds_t(fds.count), milliseconds)
      if result < 0 {
        // EINTR: a signal; its byte is in the pipe, so poll again (it will report it).
        if errno == EINTR { continue }
        return .hangup
      }
      if result == 0 {
        if deadline == nil { continue }
        return .timeout
      }
      var ready: LoopWake = []
      let hangupBits = Int16(POLLHUP) | Int16(POLLERR) | Int16(POLLNVAL)
      if fds[0].revents & Int16(POLLIN) != 0 { ready.insert(.input) }
      // A hung-up terminal (the ssh connection or the terminal window gone) reports POLLHUP together
      // with POLLIN for ever: it must end the loop even when input is flagged too (what is left to
      // read is read first), or the loop spins at full CPU. SIGHUP usually says the same first, but
      // it does not reach a process outside the terminal's foreground group.
      if fds[0].revents & hangupBits != 0 { ready.insert(.hangup) }
      if fds[1].revents & Int16(POLLIN) != 0 { ready.insert(.wake) }
      if fds[2].revents & Int16(POLLIN) != 0 { ready.insert(.signal) }
      if !ready.isEmpty { return ready }
    }
  }

  /// Writes the escape sequences sent to ``escapes`` (the frame is drawn by now: the app draws,
  /// then calls this), waits (see ``wait(timeout:)``) and turns everything that is ready into
  /// events: signals first (a resize before the keys typed at the new size), then input, then the
  /// wake-up.
  public func next(timeout: Duration? = nil) -> [LoopEvent] {
    terminal.writeAfterFrame(escapes.take())
    let ready = wait(timeout: timeout)
    var events: [LoopEvent] = []
    if ready.contains(.signal) { events += handleSignals() }
    if ready.contains(.input) { events += terminal.readEvents().map { LoopEvent.terminal($0) } }
    if ready.contains(.hangup) { events.append(.quitRequested(signal: SIGHUP)) }
    if ready.contains(.wake) {
      wakeSignal.drain()
      events.append(.woken)
    }
    if ready.contains(.timeout) { events.append(.timeout) }
    return events
  }

  /// Acts on the signals that arrived (see the type's documentation) and returns what the app
  /// must know. Stopping on SIGTSTP happens inside this call: it returns after `fg`.
  public func handleSignals() -> [LoopEvent] {
    var events: [LoopEvent] = []
    var resumedThisRound = false
    for signal in terminal.signals.drain() {
      switch signal {
      case SIGWINCH:
        if let size = terminal.updateSize() {
          events.append(.terminal(.resized(width: size.width, height: size.height)))
        }
      case SIGTSTP:
        let before = terminal.size
        terminal.suspend()
        terminal.signals.stopProcess()
        terminal.resume()
        resumedThisRound = true
        events.append(.resumed)
        let after = terminal.size
        if after != before { events.append(.terminal(.resized(width: after.width, height: after.height))) }
      case SIGCONT:
        // Our own stop already repainted; a stop someone else caused (kill -STOP) did not.
        if !resumedThisRound {
          terminal.repaintAll()
          events.append(.resumed)
        }
      case SIGINT, SIGTERM, SIGHUP:
        if !events.contains(.quitRequested(signal: signal)) { events.append(.quitRequested(signal: signal)) }
      default:
        break
      }
    }
    return events
  }
}
