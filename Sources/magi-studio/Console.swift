#if canImport(Glibc)
import Glibc
#endif
import FalClient
import Synchronization
import FalProtocol
import TerminalScreen

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
    guard progressShown.withLock({ shown in defer { shown = false }; return shown }) else { return }
    writeStderr("\r\u{1B}[2K")
  }

  /// A result line on stdout, flushed at once: a script reading a pipe must not wait for a buffer.
  static func stdout(_ text: String) {
    clearProgress()
    print(text)
    fflush(nil)
  }

  private static func writeStderr(_ text: String) {
    var bytes = Array(text.utf8)
    bytes.withUnsafeMutableBytes { buffer in
      var offset = 0
      while offset < buffer.count {
        let written = write(2, buffer.baseAddress! + offset, buffer.count - offset)
        if written <= 0 { break }
        offset += written
      }
    }
  }
}
