/// Runs blocking file work (hashing a video's resumed part, copying a video, a job's log file) on
/// a thread of its own, and awaits it without holding a thread of Swift's task pool.
///
/// The pool has one thread per core (two here): a read of a 500 MB file on one of them halves the
/// studio, and on an actor it holds every submit and history write behind it. A fresh thread per
/// call, not one shared I/O thread: the calls are few, none waits behind another (a log line is
/// not held up by a long hash), and nothing is left running while the studio is idle.
public enum IOThread {
  /// Runs `work` on a new thread named `magi-io` and returns what it returns. Unlike
  /// ``DedicatedThread/run(named:_:dropped:)``, the wait is not cut short by cancellation: a copy
  /// or a log write is finished, not abandoned halfway.
  public static func run<T: Sendable, Failure: Error>(
    _ work: @escaping @Sendable () throws(Failure) -> T
  ) async throws(Failure) -> T {
    let result: Result<T, Failure> = await withCheckedContinuation { continuation in
      let body: @Sendable () -> Void = { continuation.resume(returning: Result(catching: work)) }
      // Where no thread can be made (the process is at its limit), run it here: late beats never.
      if !DedicatedThread.start(named: "magi-io", blockingSignals: true, body) { body() }
    }
    return try result.get()
  }
}
