import Foundation
import Synchronization

/// Async work started from synchronous code on the UI thread, to be waited for later.
///
/// Only for start-up (opening the history, starting the emulator): the UI thread is not part of
/// Swift's cooperative pool, so waiting here cannot starve the tasks it waits for. Starting the work
/// before the terminal is set up lets the history's index overlap the first frame.
final class StartedWork<T: Sendable>: Sendable {
  private let result = Mutex<Result<T, any Error>?>(nil)
  private let done = DispatchSemaphore(value: 0)

  init(_ work: @escaping @Sendable () async throws -> T) {
    Task {
      let value: Result<T, any Error>
      do { value = .success(try await work()) } catch { value = .failure(error) }
      self.result.withLock { $0 = value }
      self.done.signal()
    }
  }

  /// Blocks the calling thread until the work has finished; then returns its outcome (again on
  /// every later call).
  func wait() throws -> T {
    if result.withLock({ $0 }) == nil {
      done.wait()
      done.signal()
    }
    guard let outcome = result.withLock({ $0 }) else { throw CancellationError() }
    return try outcome.get()
  }
}

/// Runs async work from synchronous code on the UI thread and waits for it.
func blocking<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
  try StartedWork(work).wait()
}
