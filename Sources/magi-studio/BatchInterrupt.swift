import Foundation
import Synchronization

/// What Ctrl-C does during a batch: says what becomes of its jobs, then exits 130. Those sent keep
/// running on the server (`magi-studio resume` follows them and downloads their videos); those
/// not sent yet have no record, so nothing will send them. Without it the process died at once,
/// in silence, however many jobs it had still to send.
final class BatchInterrupt: Sendable {
  /// Jobs handed to the runner so far; read by the signal handler.
  private final class Count: Sendable {
    let value = Mutex(0)
  }
  private let sent = Count()
  private let source: Mutex<(any DispatchSourceSignal)?>

  init(batchID: String, total: Int) {
    signal(SIGINT, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
    source.setEventHandler { [sent] in
      Console.line(Self.message(batchID: batchID, sent: sent.value.withLock { $0 }, total: total))
      exit(ExitStatus.cancelled)
    }
    source.resume()
    self.source = Mutex(source)
  }

  /// A job is handed to the runner (its record is made before anything is sent).
  func jobStarted() { sent.value.withLock { $0 += 1 } }

  func disarm() {
    source.withLock {
      $0?.cancel()
      $0 = nil
    }
    signal(SIGINT, SIG_DFL)
  }

  static func message(batchID: String, sent: Int, total: Int) -> String {
    var text =
      "interrupted: batch \(batchID): \(sent) of \(total) job\(total == 1 ? "" : "s") sent; those still queued or running carry on on the server (magi-studio resume follows them)"
    if sent < total {
      text += "; the other \(total - sent) were not sent and are not recorded"
    }
    return text
  }
}
