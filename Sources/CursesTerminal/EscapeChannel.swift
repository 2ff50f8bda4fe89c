import Synchronization

/// Escape sequences for the terminal the user sits at (clipboard, desktop notices, the bell), kept
/// apart from ncurses' output and written after the frame.
///
/// ncurses owns the terminal's output stream: a sequence written in the middle of its refresh lands
/// between a cursor move and the cells that follow it, and one whose text shows (an OSC 8 label) is
/// drawn wherever the cursor happens to be, over the screen, until the next full repaint. So any
/// thread may ``send(_:)`` here; ``TerminalLoop/next(timeout:)`` writes what is pending on the UI
/// thread after the frame was drawn and before it sleeps, and a send wakes it for that.
///
/// Thread safety: a `Mutex` around the pending list; the ``WakeSignal`` is itself `Sendable`.
public final class EscapeChannel: Sendable {
  private let pending = Mutex<[EscapeSequence]>([])
  private let wake: WakeSignal

  init(wake: WakeSignal) {
    self.wake = wake
  }

  /// Queues `sequence` for the terminal and wakes the loop, which writes it after its next frame.
  public func send(_ sequence: EscapeSequence) {
    pending.withLock { $0.append(sequence) }
    wake.wake()
  }

  /// Everything sent since the last call, in order.
  func take() -> [EscapeSequence] {
    pending.withLock { list in
      defer { list.removeAll() }
      return list
    }
  }
}
