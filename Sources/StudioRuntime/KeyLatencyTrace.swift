#if canImport(Glibc)
  import Glibc
#endif

/// Opt-in measurement for the benchmark (`MAGI_STUDIO_KEY_TRACE=FILE`): for every batch of keys
/// the UI loop reads, the microseconds from the read to the frame written to the terminal, one
/// number per line.
///
/// Timed inside the process because that is what the keystroke target is about (key read →
/// terminal write finished); from outside, log and progress redraws of running jobs reach the pty
/// too and blur which bytes answered which key.
final class KeyLatencyTrace {
  private let descriptor: Int32
  private let clock = ContinuousClock()
  private var keyRead: ContinuousClock.Instant?

  init?(environment: [String: String]) {
    guard let path = environment["MAGI_STUDIO_KEY_TRACE"], !path.isEmpty else { return nil }
    descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else { return nil }
  }

  deinit { close(descriptor) }

  /// Keys were just read; the next ``frameWritten()`` ends their measurement.
  func keysRead() {
    if keyRead == nil { keyRead = clock.now }
  }

  /// The frame that follows the keys has been handed to the terminal.
  func frameWritten() {
    guard let start = keyRead else { return }
    keyRead = nil
    let elapsed = start.duration(to: clock.now)
    let microseconds = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
    let line = Array("\(microseconds)\n".utf8)
    _ = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
  }
}
