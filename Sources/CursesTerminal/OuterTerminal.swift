import DedicatedThreads

/// The terminal the user looks at, wherever the studio runs: directly in it, or inside tmux.
///
/// Clipboard copies, desktop notices and the bell must arrive there or be said not to have arrived.
/// Directly in a terminal they are escape sequences (OSC 52, OSC 777/9, BEL). Inside tmux (see
/// ``Tmux``) the copy goes through `tmux load-buffer -w`, and a notice goes through tmux's
/// passthrough only when `allow-passthrough` is on, else as the bell plus a tmux status-line
/// message. The tmux client runs on a thread of its own, never on Swift's pool.
///
/// Sequences are handed to `write`: in the studio an ``EscapeChannel`` (written after the frame,
/// never into ncurses' output), in the CLI its terminal output.
public struct OuterTerminal: Sendable {
  /// The tmux around the studio, if any.
  public let tmux: Tmux?
  private let write: @Sendable (EscapeSequence) -> Void

  /// - Parameters:
  ///   - environment: the process's environment without the key: `TMUX` and `TMUX_PANE` say where
  ///     the studio runs, and the tmux client runs with it.
  ///   - write: where escape sequences go.
  public init(environment: [String: String], write: @escaping @Sendable (EscapeSequence) -> Void) {
    tmux = Tmux(environment: environment)
    self.write = write
  }

  /// Copies `text` to the user's clipboard and says what came of it.
  public func copy(_ text: String) async -> CopyOutcome {
    if let tmux {
      return await DedicatedThread.complete(named: "magi-tmux", blocking: .pipe) {
        do throws(Tmux.Failure) {
          try tmux.loadBuffer(text)
          return .copiedByTmux
        } catch {
          return .failed(error.description)
        }
      }
    }
    guard let sequence = TerminalEscapes.copyToClipboard(text) else { return .tooLong }
    write(sequence)
    return .askedTerminal
  }

  /// Sends a desktop notice (OSC 777 and OSC 9). Inside tmux with passthrough off it cannot reach
  /// the desktop: tmux shows it in its status line instead, and the bell rings when `ring` (the
  /// caller passes false when it rings the bell for the same event itself).
  public func notify(title: String, body: String, ring: Bool = true) async {
    let notice = TerminalEscapes.notification(title: title, body: body)
    guard let tmux else {
      write(notice)
      return
    }
    let passedOn = await DedicatedThread.complete(named: "magi-tmux", blocking: .pipe) { () -> Bool in
      guard tmux.allowsPassthrough() else {
        try? tmux.displayMessage("\(title): \(body)")
        return false
      }
      return true
    }
    if passedOn {
      write(notice.passedThroughTmux())
    } else if ring {
      write(.bell)
    }
  }

  /// Rings the terminal's bell (tmux forwards it under its default `bell-action`).
  public func bell() {
    write(.bell)
  }
}
