import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Runs one blocking call on an OS thread of its own and lets a task await it: the one way the
/// project leaves Swift's task pool.
///
/// Swift's cooperative pool has one thread per core (two on the machines the studio runs on): a
/// `waitpid` on `xdg-open` that lasts as long as the viewer, a directory listing on a slow mount, a
/// hash of a large file, a tmux client or a `pthread_join` held there would stall every other task.
/// A thread per call, not a shared worker: a call that never returns (a viewer left open) must not
/// queue the next one behind it, and nothing is left running while the studio is idle.
///
/// Two ways to await: ``run(named:_:dropped:)`` returns at once with `CancellationError` when the
/// awaiting task is cancelled (the thread finishes the call on its own and hands its result to
/// `dropped`: a lock to release, a descriptor to close; that lets the studio quit while a viewer it
/// started is still open), and ``complete(named:blocking:_:)`` waits for the call's end whatever
/// happens (a copy or a log write is finished, not abandoned halfway).
public enum DedicatedThread {
  /// The signals a thread blocks.
  public enum BlockedSignals: Sendable {
    /// None: right for a thread that spawns a child, which inherits the mask.
    case none
    /// SIGPIPE only: a write to a child that exited before reading fails with EPIPE instead of
    /// killing the process.
    case pipe
    /// Every process-directed signal (SIGINT, SIGWINCH, …), left to the threads that wait for them,
    /// as QuietExecutor's pool threads do.
    case asynchronous
  }

  /// Runs `work` on a new detached thread named `name` (at most 15 bytes are kept) and returns
  /// its result; a result nobody waits for any more goes to `dropped`, on that thread.
  ///
  /// When no thread can be created (the system's limit), `work` runs on the caller's thread:
  /// a stall then, rather than a failure the caller could do nothing about.
  public static func run<T: Sendable>(
    named name: String, _ work: @escaping @Sendable () -> T, dropped: @escaping @Sendable (T) -> Void = { _ in }
  ) async throws(CancellationError) -> T {
    let handoff = Handoff<T>()
    guard start(named: name, { handoff.finish(work(), dropped: dropped) }) else { return work() }
    let result: T? = await withTaskCancellationHandler {
      await withCheckedContinuation { continuation in handoff.wait(continuation) }
    } onCancel: {
      handoff.cancel()
    }
    guard let result else { throw CancellationError() }
    return result
  }

  /// Runs `work` on a new thread named `name` and returns what it returns, or throws what it
  /// throws. The wait is not cut short by cancellation: callers that must stop early make the work
  /// itself end (kill the child) from a cancellation handler.
  ///
  /// When no thread can be created (the system's limit), `work` runs on the caller's thread.
  public static func complete<T: Sendable, Failure: Error>(
    named name: String, blocking signals: BlockedSignals = .none, _ work: @escaping @Sendable () throws(Failure) -> T
  ) async throws(Failure) -> T {
    let result: Result<T, Failure> = await withCheckedContinuation { continuation in
      let body: @Sendable () -> Void = { continuation.resume(returning: Result(catching: work)) }
      if !start(named: name, blocking: signals, body) { body() }
    }
    return try result.get()
  }

  /// Starts a detached thread named `name` running `body`, with `signals` blocked on it; false
  /// when none could be created.
  @discardableResult
  public static func start(
    named name: String, blocking signals: BlockedSignals = .none, _ body: @escaping @Sendable () -> Void
  ) -> Bool {
    let box = Unmanaged.passRetained(ThreadBody(name: name, signals: signals, body)).toOpaque()
    var thread = pthread_t()
    let created = pthread_create(
      &thread, nil,
      { raw in
        guard let raw else { return nil }
        let body = Unmanaged<ThreadBody>.fromOpaque(raw).takeRetainedValue()
        nameCurrentThread(body.name)
        block(body.signals)
        body.run()
        return nil
      }, box)
    guard created == 0 else {
      Unmanaged<ThreadBody>.fromOpaque(box).release()
      return false
    }
    pthread_detach(thread)
    return true
  }
}

/// Blocks `signals` on the calling thread. `.asynchronous` leaves the synchronous faults (and
/// SIGPIPE, which is sent to the thread that wrote) unblocked.
private func block(_ signals: DedicatedThread.BlockedSignals) {
  var mask = sigset_t()
  sigemptyset(&mask)
  switch signals {
  case .none: return
  case .pipe: sigaddset(&mask, SIGPIPE)
  case .asynchronous:
    sigfillset(&mask)
    for fault in [SIGILL, SIGTRAP, SIGFPE, SIGBUS, SIGSEGV, SIGSYS, SIGPIPE, SIGPROF] { sigdelset(&mask, fault) }
  }
  pthread_sigmask(SIG_BLOCK, &mask, nil)
}

/// Names the calling thread so that `top -H` and /proc show what it is for (`pthread_setname_np`
/// is hidden from Swift behind `_GNU_SOURCE`; the kernel keeps 15 bytes).
private func nameCurrentThread(_ name: String) {
  let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
  guard fd >= 0 else { return }
  defer { close(fd) }
  let bytes = Array(name.utf8.prefix(15))
  _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
}

private final class ThreadBody: Sendable {
  let name: String
  let signals: DedicatedThread.BlockedSignals
  let run: @Sendable () -> Void

  init(name: String, signals: DedicatedThread.BlockedSignals, _ run: @escaping @Sendable () -> Void) {
    self.name = name
    self.signals = signals
    self.run = run
  }
}

/// Meets the thread's result and the awaiting task, whichever comes first; a cancel releases the
/// task without the result.
private final class Handoff<T: Sendable>: Sendable {
  private enum State {
    case pending
    case waiting(CheckedContinuation<T?, Never>)
    case finished(T)
    case cancelled
  }

  /// What ``finish(_:dropped:)`` does once it leaves the lock.
  private enum Delivery {
    case kept
    case resume(CheckedContinuation<T?, Never>)
    case drop
  }

  private let state = Mutex<State>(.pending)

  func wait(_ continuation: CheckedContinuation<T?, Never>) {
    let ready: T?? = state.withLock { state in
      switch state {
      case .pending:
        state = .waiting(continuation)
        return .none
      case .finished(let value): return .some(value)
      case .cancelled: return .some(nil)
      case .waiting: preconditionFailure("one waiter per call")
      }
    }
    if let ready { continuation.resume(returning: ready) }
  }

  /// Hands `value` to the waiter, or to `dropped` when the waiter has gone.
  func finish(_ value: T, dropped: (T) -> Void) {
    let next: Delivery = state.withLock { state in
      switch state {
      case .pending:
        state = .finished(value)
        return .kept
      case .waiting(let continuation):
        state = .finished(value)
        return .resume(continuation)
      case .finished, .cancelled: return .drop
      }
    }
    switch next {
    case .kept: break
    case .resume(let continuation): continuation.resume(returning: value)
    case .drop: dropped(value)
    }
  }

  func cancel() {
    let waiter: CheckedContinuation<T?, Never>? = state.withLock { state in
      switch state {
      case .pending:
        state = .cancelled
        return nil
      case .waiting(let continuation):
        state = .cancelled
        return continuation
      case .finished, .cancelled: return nil
      }
    }
    waiter?.resume(returning: nil)
  }
}
