#if canImport(Glibc)
  import Glibc
#endif

/// Blocking work (a child process and its `waitpid`) on a thread of its own, awaited from async code.
///
/// Swift's cooperative pool has one thread per core (two here): a task that waited there for tmux
/// would stall every other task meanwhile. The thread is created for the call and ends with it;
/// the calls it serves (a copy, a notice) are rare and user-driven.
enum OwnThread {
  private final class Start: Sendable {
    let body: @Sendable () -> Void

    init(_ body: @escaping @Sendable () -> Void) {
      self.body = body
    }
  }

  /// Runs `work` on a new thread and resumes the caller with its result.
  static func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
      start { continuation.resume(returning: work()) }
    }
  }

  /// Starts `body` on a new detached thread with SIGPIPE blocked, so that a child that exits before
  /// reading its input makes `write` fail with EPIPE instead of killing the process. Signals the
  /// studio handles (SIGINT, SIGWINCH, …) only write to its signal pipe, so any thread may take them.
  /// If no thread can be created, `body` runs on the caller's.
  private static func start(_ body: @escaping @Sendable () -> Void) {
    let start = Unmanaged.passRetained(Start(body)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(
      &thread, nil,
      { raw in
        guard let raw else { return nil }
        let start = Unmanaged<Start>.fromOpaque(raw).takeRetainedValue()
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)
        start.body()
        return nil
      }, start)
    guard result == 0 else {
      Unmanaged<Start>.fromOpaque(start).takeRetainedValue().body()
      return
    }
    pthread_detach(thread)
  }
}
