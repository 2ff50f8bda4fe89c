import DedicatedThreads

/// Blocking file work (hashing a video's resumed part, copying a video, a job's log file) on a
/// thread of its own named `magi-io`, with process-directed signals blocked, awaited to its end:
/// a copy or a log write is finished, not abandoned halfway. See ``DedicatedThread``.
public enum IOThread {
  /// Runs `work` on a new `magi-io` thread and returns what it returns.
  public static func run<T: Sendable, Failure: Error>(
    _ work: @escaping @Sendable () throws(Failure) -> T
  ) async throws(Failure) -> T {
    try await DedicatedThread.complete(named: "magi-io", blocking: .asynchronous, work)
  }
}
