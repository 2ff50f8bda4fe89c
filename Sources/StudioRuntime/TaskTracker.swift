import Dispatch
import Synchronization

/// Every task the runtime starts, so that quitting can cancel them and wait until they are gone.
///
/// A task left running past the loop would post into an inbox nobody drains, or still be writing
/// the history while the session closes under it. Once ``cancelAll()`` has begun, nothing new
/// starts: a follow that a late action would start is simply not begun.
public final class TaskTracker: Sendable {
  private struct State {
    var nextID = 0
    var running: [Int: Task<Void, Never>] = [:]
    var closed = false
  }

  private let state = Mutex(State())

  public init() {}

  /// How many tracked tasks have not finished yet.
  public var count: Int { state.withLock { $0.running.count } }

  /// Starts `work` as a tracked task; nil once the tracker is closed.
  @discardableResult
  public func start(_ work: @escaping @Sendable () async -> Void) -> Task<Void, Never>? {
    state.withLock { state in
      guard !state.closed else { return nil }
      let id = state.nextID
      state.nextID += 1
      // Created under the lock, so that a task which ends at once removes an entry already there.
      let task = Task {
        await work()
        self.finished(id)
      }
      state.running[id] = task
      return task
    }
  }

  private func finished(_ id: Int) {
    _ = state.withLock { $0.running.removeValue(forKey: id) }
  }

  /// Closes the tracker, cancels every running task and returns once all of them have ended.
  public func cancelAll() async {
    let tasks = state.withLock { state in
      state.closed = true
      return Array(state.running.values)
    }
    for task in tasks { task.cancel() }
    for task in tasks { await task.value }
  }

  /// ``cancelAll()`` for synchronous code: blocks the calling thread until every task has ended.
  /// Only for a thread outside the task pool (the UI thread): the tasks it waits for need the pool.
  public func cancelAllAndWait() {
    let done = DispatchSemaphore(value: 0)
    Task {
      await self.cancelAll()
      done.signal()
    }
    done.wait()
  }
}
