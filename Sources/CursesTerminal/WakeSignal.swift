#if canImport(Glibc)
  import Glibc
#endif

/// Wakes the UI loop from any thread or task: a non-blocking self-pipe the loop polls.
///
/// Network and history tasks post their results to the app's `Mutex` inbox and then call
/// ``wake()``; the loop, asleep in `poll()` with no timeout, sees the pipe readable, calls
/// ``drain()`` and then drains the inbox. Several `wake()`s before the loop runs collapse into one
/// wake-up, which is why the inbox (not the pipe) carries the data. A pipe rather than `eventfd`
/// because Swift's Glibc module does not expose `eventfd` (checked with Swift 6.3 on Debian 12).
///
/// Thread safety: immutable after `init`; `write(2)` and `read(2)` on a pipe are safe from any
/// thread, so the type is genuinely `Sendable` (no unchecked conformance).
public final class WakeSignal: Sendable {
  /// The read end, for `poll()`; readable after a ``wake()`` until ``drain()``.
  public let fileDescriptor: Int32
  private let writeEnd: Int32

  public init() throws(TerminalError) {
    (fileDescriptor, writeEnd) = try WakeSignal.nonBlockingPipe()
  }

  deinit {
    close(fileDescriptor)
    close(writeEnd)
  }

  /// A pipe whose ends never block and are closed on exec: a wake-up or a signal byte is written
  /// from anywhere, and read by the loop's `poll()`.
  static func nonBlockingPipe() throws(TerminalError) -> (read: Int32, write: Int32) {
    var ends: [Int32] = [-1, -1]
    guard pipe(&ends) == 0 else { throw .system(call: "pipe", errno: errno) }
    for end in ends {
      _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
      _ = fcntl(end, F_SETFD, FD_CLOEXEC)
    }
    return (ends[0], ends[1])
  }

  /// Asks the loop to run once more. Never blocks: when the pipe is full (EAGAIN) a wake-up is
  /// already pending, which is all this promises.
  public func wake() {
    var byte: UInt8 = 1
    while write(writeEnd, &byte, 1) < 0 && errno == EINTR {}
  }

  /// Empties the pipe; call on the loop thread before draining the inbox, so a `wake()` racing
  /// with the drain leaves the pipe readable and is not lost.
  public func drain() {
    var buffer = [UInt8](repeating: 0, count: 256)
    while true {
      let count = read(fileDescriptor, &buffer, buffer.count)
      if count > 0 { continue }
      if count < 0 && errno == EINTR { continue }
      return
    }
  }
}
