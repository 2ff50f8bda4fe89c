#if canImport(Glibc)
  import Glibc
#endif

/// Runs blocking file work (hashing a video's resumed part, copying a video, a job's log file) on
/// a thread of its own, and awaits it without holding a thread of Swift's task pool.
///
/// The pool has one thread per core (two here): a read of a 500 MB file on one of them halves the
/// studio, and on an actor it holds every submit and history write behind it. A fresh thread per
/// call, not one shared I/O thread: the calls are few, none waits behind another (a log line is
/// not held up by a long hash), and nothing is left running while the studio is idle.
public enum IOThread {
  /// Runs `work` on a new thread named `magi-io` and returns what it returns.
  public static func run<T: Sendable, Failure: Error>(
    _ work: @escaping @Sendable () throws(Failure) -> T
  ) async throws(Failure) -> T {
    let result: Result<T, Failure> = await withCheckedContinuation { continuation in
      start {
        do throws(Failure) {
          continuation.resume(returning: .success(try work()))
        } catch {
          continuation.resume(returning: .failure(error))
        }
      }
    }
    return try result.get()
  }

  /// Starts a detached thread running `body`; where no thread can be made (the process is at its
  /// limit), runs it here instead: late is better than never.
  private static func start(_ body: @escaping @Sendable () -> Void) {
    let box = Unmanaged.passRetained(Body(body)).toOpaque()
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    var thread = pthread_t()
    let created = pthread_create(&thread, &attributes, { context in
      guard let context else { return nil }
      IOThread.prepareThread()
      Unmanaged<Body>.fromOpaque(context).takeRetainedValue().run()
      return nil
    }, box)
    if created != 0 { Unmanaged<Body>.fromOpaque(box).takeRetainedValue().run() }
  }

  /// Names the thread `magi-io` for `top -H` and /proc (pthread_setname_np is hidden behind
  /// _GNU_SOURCE in Swift's Glibc), and leaves process-directed signals (SIGINT, SIGWINCH, …) to
  /// the threads that wait for them, as QuietExecutor's pool threads do.
  private static func prepareThread() {
    let file = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
    if file >= 0 {
      _ = Array("magi-io".utf8).withUnsafeBytes { write(file, $0.baseAddress, $0.count) }
      close(file)
    }
    var mask = sigset_t()
    sigfillset(&mask)
    for fault in [SIGILL, SIGTRAP, SIGFPE, SIGBUS, SIGSEGV, SIGSYS, SIGPIPE, SIGPROF] { sigdelset(&mask, fault) }
    pthread_sigmask(SIG_BLOCK, &mask, nil)
  }

  private final class Body: Sendable {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
  }
}
