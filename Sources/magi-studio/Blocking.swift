import Foundation
import Synchronization

/// Runs async work from synchronous code on the UI thread and waits for it.
///
/// Only for start-up (opening the history, starting the emulator): the UI thread is not part of
/// Swift's cooperative pool, so waiting here cannot starve the tasks it waits for.
func blocking<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
  let result = Mutex<Result<T, any Error>?>(nil)
  let done = DispatchSemaphore(value: 0)
  Task {
    let value: Result<T, any Error>
    do { value = .success(try await work()) } catch { value = .failure(error) }
    result.withLock { $0 = value }
    done.signal()
  }
  done.wait()
  guard let outcome = result.withLock({ $0 }) else { throw CancellationError() }
  return try outcome.get()
}
