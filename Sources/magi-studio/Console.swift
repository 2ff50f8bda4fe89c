import CursesTerminal
import FalClient
import FalProtocol
import Synchronization
import SystemPackage
import TerminalScreen

#if canImport(Glibc)
  import Glibc
#endif

/// Writes what a person watching a command sees: status and logs on stderr (stdout is the result,
/// for pipes), every line from the network sanitised first.
enum Console {
  static let stderrIsTerminal = isatty(2) == 1

  static func error(_ message: String) {
    line("magi-studio: " + message)
  }

  static func line(_ text: String) {
    clearProgress()
    let clean = TerminalText.sanitizedLines(text).joined(separator: "\n")
    writeStderr(clean + "\n")
  }

  static func log(_ entry: LogEntry, label: String = "") {
    let time = entry.timestamp.count >= 19 ? String(entry.timestamp.dropFirst(11).prefix(8)) : entry.timestamp
    for line in TerminalText.sanitizedLines(entry.message) {
      Console.line("\(label)  \(time) \(line)")
    }
  }

  /// A progress line that rewrites itself on a terminal and stays silent otherwise.
  static func progress(_ label: String, _ done: Int64, _ total: Int64) {
    guard stderrIsTerminal else { return }
    let text: String
    if total > 0 {
      let percent = Figures.percent(done, of: total) ?? 0
      text = "\(label) \(Figures.bytes(done)) / \(Figures.bytes(total)) (\(percent)%)"
    } else {
      text = "\(label) \(Figures.bytes(done))"
    }
    writeStderr("\r\u{1B}[2K" + TerminalText.sanitizedLine(text))
    progressShown.withLock { $0 = true }
  }

  /// Progress is reported from the network thread while lines come from the main task.
  private static let progressShown = Mutex(false)

  static func clearProgress() {
    guard
      progressShown.withLock({ shown in
        defer { shown = false }
        return shown
      })
    else { return }
    writeStderr("\r\u{1B}[2K")
  }

  /// A result line on stdout, flushed at once: a script reading a pipe must not wait for a buffer.
  ///
  /// The one way record fields reach stdout, so every one is made inert here: an id, a prompt or a
  /// URL holding `ESC]0;…BEL` or `ESC[2J` shows as `␛]0;…␇` instead of acting on the terminal.
  /// Line breaks are kept (a record shown over several lines); JSON comes through unchanged, as
  /// ``GenerateCommand/jsonString(_:)`` escapes every such character already.
  static func stdout(_ text: String) {
    clearProgress()
    print(TerminalText.sanitizedLines(text).joined(separator: "\n"))
    fflush(nil)
  }

  /// Escape sequences sent on purpose (OSC 52 to the clipboard, an OSC 8 link), written as they
  /// are: only ones the terminal module built (``EscapeSequence``) can be.
  static func escapes(_ sequence: EscapeSequence, terminator: String = "") {
    clearProgress()
    print(sequence.text, terminator: terminator)
    fflush(nil)
  }

  /// Best effort: a closed stderr has no one left to tell.
  private static func writeStderr(_ text: String) {
    _ = try? FileDescriptor.standardError.writeAll(text.utf8)
  }
}
