#if canImport(Glibc)
  import Glibc
#endif

/// Runs a few pieces of CPU work at once, on threads started for the occasion.
///
/// Not `DispatchQueue.concurrentPerform`: the first libdispatch worker of a global queue starts its
/// workqueue monitor, a 1 s timer that never stops, and the studio must make no wake-ups at rest
/// (see QuietExecutor). Not tasks either: the history's scan runs inside synchronous actor methods.
/// A thread costs tens of microseconds; a piece is worth it only when it is large (the caller
/// decides), and an open of 100,000 records starts a few dozen.
enum ParallelThreads {
  private final class Work: @unchecked Sendable {
    // @unchecked: `body` is only called, from the threads `run` joins before returning.
    let body: (Int) -> Void
    let index: Int
    init(_ body: @escaping (Int) -> Void, index: Int) {
      self.body = body
      self.index = index
    }
  }

  /// Calls `body(0..<count)`, index 0 on the calling thread and the others on new threads, and
  /// returns when all have returned. Falls back to the calling thread if a thread cannot start.
  static func run(count: Int, _ body: (Int) -> Void) {
    withoutActuallyEscaping(body) { body in
      var threads: [pthread_t] = []
      var inline: [Int] = []
      for index in 1..<max(1, count) {
        let work = Unmanaged.passRetained(Work(body, index: index)).toOpaque()
        var thread = pthread_t()
        let started = pthread_create(
          &thread, nil,
          { raw in
            guard let raw else { return nil }
            let work = Unmanaged<Work>.fromOpaque(raw).takeRetainedValue()
            work.body(work.index)
            return nil
          }, work)
        if started == 0 {
          threads.append(thread)
        } else {
          Unmanaged<Work>.fromOpaque(work).release()
          inline.append(index)
        }
      }
      if count > 0 { body(0) }
      for index in inline { body(index) }
      for thread in threads { pthread_join(thread, nil) }
    }
  }
}
