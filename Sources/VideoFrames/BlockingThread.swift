import Foundation

/// Runs blocking work (a pipe read, a `waitpid`, a cache file) on a thread of its own and awaits it.
///
/// Swift's task pool has one thread per core (two here): a read from ffmpeg's pipe held there
/// would stall the studio. This module keeps its own small helper rather than importing
/// StudioCore's `DedicatedThread`: that would pull the jobs, the history and the network client
/// into every user of frames (the studio's pure-ish preview path, tests, the bench) for ten lines.
/// A thread per call: the calls are few and short (one ffmpeg run for a sheet), and nothing
/// lingers while no preview is visible.
enum BlockingThread {
  /// Runs `work` on a new thread named `name` and returns its result. The wait is not cut short
  /// by cancellation: callers make the work itself end (kill the child) from a cancellation handler.
  static func run<T: Sendable>(named name: String, _ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
      start(named: name) { continuation.resume(returning: work()) }
    }
  }

  /// Starts a detached thread named `name` (the kernel keeps 15 bytes) running `body`.
  static func start(named name: String, _ body: @escaping @Sendable () -> Void) {
    let thread = Thread(block: body)
    thread.name = String(name.prefix(15))
    thread.start()
  }
}
