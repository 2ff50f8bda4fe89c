#if os(Linux)
  import Glibc

  /// A detached pthread for the executor's pool, named for `top -H` and /proc, with the signal mask
  /// libdispatch gives its workers.
  enum PoolThread {
    private final class Start: Sendable {
      let name: String
      let body: @Sendable () -> Void

      init(name: String, body: @escaping @Sendable () -> Void) {
        self.name = name
        self.body = body
      }
    }

    static func start(name: String, _ body: @escaping @Sendable () -> Void) {
      let start = Unmanaged.passRetained(Start(name: name, body: body)).toOpaque()
      var thread = pthread_t()
      let result = pthread_create(
        &thread, nil,
        { raw in
          guard let raw else { return nil }
          let start = Unmanaged<Start>.fromOpaque(raw).takeRetainedValue()
          PoolThread.name(start.name)
          PoolThread.blockAsynchronousSignals()
          start.body()
          return nil
        }, start)
      precondition(result == 0, "pthread_create: \(String(cString: strerror(result)))")
      pthread_detach(thread)
    }

    /// pthread_setname_np is hidden behind _GNU_SOURCE in Swift's Glibc; the kernel reads the same
    /// name from /proc (at most 15 bytes).
    private static func name(_ name: String) {
      let file = open("/proc/thread-self/comm", O_WRONLY)
      guard file >= 0 else { return }
      let bytes = Array(name.utf8.prefix(15))
      _ = bytes.withUnsafeBytes { write(file, $0.baseAddress, $0.count) }
      close(file)
    }

    /// Process-directed signals (SIGINT, SIGWINCH, SIGCHLD, …) go to threads that wait for them, not
    /// to a pool thread in the middle of a job's system call. Faults stay deliverable, as in
    /// libdispatch's `_dispatch_sigmask`.
    private static func blockAsynchronousSignals() {
      var mask = sigset_t()
      sigfillset(&mask)
      for fault in [SIGILL, SIGTRAP, SIGFPE, SIGBUS, SIGSEGV, SIGSYS, SIGPIPE, SIGPROF] {
        sigdelset(&mask, fault)
      }
      pthread_sigmask(SIG_BLOCK, &mask, nil)
    }
  }
#endif
