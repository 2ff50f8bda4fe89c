#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Runs one blocking call on an OS thread of its own and lets a task await it.
///
/// Swift's cooperative pool has one thread per core (two on the machines the studio runs on): a
/// `waitpid` on `xdg-open` that lasts as long as the viewer, a directory listing on a slow mount or
/// a `pthread_join` held there would stall every other task. This is the one place in the studio's
/// runtime where such calls leave the pool. A thread per call, not a shared worker: a call that
/// never returns (a viewer left open) must not queue the next one behind it.
///
/// Cancelling the awaiting task returns at once with `CancellationError`; the thread finishes the
/// call on its own and its result is dropped. That is what lets the studio quit while a viewer it
/// started is still open.
public enum DedicatedThread {
  /// Runs `work` on a new detached thread named `name` (at most 15 bytes are kept) and returns
  /// its result.
  ///
  /// When no thread can be created (the system's limit), `work` runs on the caller's thread:
  /// a stall then, rather than a failure the caller could do nothing about.
  public static func run<T: Sendable>(
    named name: String, _ work: @escaping @Sendable () -> T
  ) async throws(CancellationError) -> T {
    let handoff = Handoff<T>()
    guard start(named: name, { handoff.finish(work()) }) else { return work() }
    let result: T? = await withTaskCancellationHandler {
      await withCheckedContinuation { continuation in handoff.wait(continuation) }
    } onCancel: {
      handoff.cancel()
    }
    guard let result else { throw CancellationError() }
    return result
  }

  /// Starts a detached thread running `body`; false when none could be created.
  private static func start(named name: String, _ body: @escaping @Sendable () -> Void) -> Bool {
    let box = Unmanaged.passRetained(ThreadBody(name: name, body)).toOpaque()
    var thread = pthread_t()
    let created = pthread_create(
      &thread, nil,
      { raw in
        guard let raw else { return nil }
        let body = Unmanaged<ThreadBody>.fromOpaque(raw).takeRetainedValue()
        nameCurrentThread(body.name)
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
  let run: @Sendable () -> Void

  init(name: String, _ run: @escaping @Sendable () -> Void) {
    self.name = name
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

  func finish(_ value: T) {
    let waiter: CheckedContinuation<T?, Never>? = state.withLock { state in
      switch state {
      case .pending:
        state = .finished(value)
        return nil
      case .waiting(let continuation):
        state = .finished(value)
        return continuation
      case .finished, .cancelled: return nil
      }
    }
    waiter?.resume(returning: value)
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
