import FalClient
import HistoryStore
import StudioCore
import Synchronization
import TerminalScreen

/// Prints what jobs report on stderr: each state change once, queue positions as they move, every
/// log line once, transfers as a self-rewriting progress line.
///
/// A job's failure (failed, cancelled, lost) is not printed here: it is the command's outcome, and the
/// command reports it once, as its error line (with the exit code) or its result on stdout.
final class JobEventPrinter: Sendable {
  /// Prefix lines with the record's short id (several jobs at once, as in `resume`).
  let labelled: Bool
  private let seen = Mutex<[String: (status: GenerationStatus, position: Int?, sourceSent: Bool)]>([:])
  /// Jobs whose submit the server is turning away (429/503) at the moment.
  private let turnedAway = Mutex<Set<String>>([])

  init(labelled: Bool = false) {
    self.labelled = labelled
  }

  func handle(_ event: JobEvent) {
    switch event {
    case .updated(let record):
      announce(record)
    case .logs(let id, let entries):
      for entry in entries { Console.log(entry, label: label(id)) }
    case .uploadProgress(_, let progress):
      Console.progress("uploading", progress.uploaded, progress.uploadTotal)
    case .downloadProgress(let id, let progress):
      Console.progress("\(label(id))downloading", progress.downloaded, progress.downloadTotal)
    case .connection(let id, let trouble?):
      let (whole, fraction) = trouble.retryIn.components
      // One line whatever the server wrote (a `detail` with line breaks).
      let reason = TerminalText.sanitizedLines(trouble.reason).joined(separator: " ")
      let seconds = max(1, Int(whole) + (fraction > 0 ? 1 : 0))
      if trouble.busy {
        turnedAway.withLock { _ = $0.insert(id) }
        // What to expect first; the server's long reason after it.
        Console.line(
          "\(label(id))server busy: sending again in \(seconds)s (turned away \(trouble.failures)×): \(reason)")
      } else {
        Console.line("\(label(id))connection lost (\(reason)); retrying in \(seconds)s")
      }
    case .connection(let id, nil):
      let wasBusy = turnedAway.withLock { $0.remove(id) != nil }
      Console.line("\(label(id))" + (wasBusy ? "the server takes requests again" : "connection back"))
    case .warning(let id, let text):
      Console.line("\(label(id ?? ""))warning: \(text)")
    }
  }

  private func label(_ id: String) -> String {
    labelled && !id.isEmpty ? "[\(id.suffix(6))] " : ""
  }

  private func announce(_ record: GenerationRecord) {
    // A record is saved `submitting` before its source is uploaded and again once it is: the
    // second save is news too.
    let sourceSent = record.source?.uploadedURL != nil
    let previous = seen.withLock { seen in
      defer { seen[record.id] = (record.status, record.progress.queuePosition, sourceSent) }
      return seen[record.id]
    }
    let prefix = label(record.id)
    if previous?.status == record.status, previous?.sourceSent == sourceSent,
      record.status != .queued || previous?.position == record.progress.queuePosition
    {
      return
    }
    switch record.status {
    case .submitting:
      if let source = record.source, let sent = source.uploadedURL, !source.given.contains("://"),
        !source.given.hasPrefix("data URI")
      {
        // A local file either went to fal's storage or travels inside the request (--inline).
        Console.line(
          sent.hasPrefix("data:")
            ? "\(prefix)inlined \(source.given) as a data URI" : "\(prefix)uploaded \(source.given)")
      }
    case .queued: Console.line("\(prefix)queued: position \(max(0, record.progress.queuePosition ?? 0))")
    case .running: Console.line("\(prefix)running")
    case .completed: Console.line("\(prefix)completed")
    case .failed, .cancelled, .lost, .unknown:
      break
    }
  }
}
