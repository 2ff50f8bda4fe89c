#if canImport(Glibc)
  import Glibc
#endif

/// The serial executor of one ``HistoryStore``: its jobs run one at a time on a thread of their own.
///
/// Nearly everything the store does blocks: `flock` waits for as long as another process holds the
/// history (its compaction of 300 MB takes a second), `fsync` for the disk, a scan reads hundreds of
/// megabytes. On Swift's cooperative pool (as many threads as cores, two here) one such wait would
/// stall every other task of the studio. As the actor's `unownedExecutor`, this thread takes all of
/// it; tasks on the pool only enqueue a job and await its result.
///
/// The thread sleeps on a condition variable while there is no job (no wake-ups at rest) and ends
/// when its store goes (``shutdown()``, from the store's `deinit`), after the jobs already queued.
final class HistoryThread: SerialExecutor, @unchecked Sendable {
  // @unchecked: `jobs` and `stopping` are only touched with `mutex` held; `thread` is written once
  // before any job can be enqueued.
  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
  private var jobs: [UnownedJob] = []
  private var stopping = false
  private var thread = pthread_t()
  /// The kernel's id of the thread (`gettid`), for tests that look at it in `/proc`; 0 until it runs.
  private(set) var threadID: Int32 = 0

  /// Starts the thread, named `name` (at most 15 bytes show in `ps` and `top`).
  init(name: String = "magi-history-io") {
    pthread_mutex_init(mutex, nil)
    pthread_cond_init(condition, nil)
    let context = Unmanaged.passRetained(Start(executor: self, name: name)).toOpaque()
    let started = pthread_create(
      &thread, nil,
      { raw in
        guard let raw else { return nil }
        let start = Unmanaged<Start>.fromOpaque(raw).takeRetainedValue()
        HistoryThread.nameCurrentThread(start.name)
        start.executor.run()
        return nil
      }, context)
    precondition(started == 0, "cannot start the history thread: \(String(cString: strerror(started)))")
    pthread_detach(thread)
    pthread_mutex_lock(mutex)
    while threadID == 0 { pthread_cond_wait(condition, mutex) }
    pthread_mutex_unlock(mutex)
  }

  deinit {
    pthread_cond_destroy(condition)
    pthread_mutex_destroy(mutex)
    condition.deallocate()
    mutex.deallocate()
  }

  /// What the new thread needs; it holds the executor (so the executor outlives its thread).
  private final class Start {
    let executor: HistoryThread
    let name: String
    init(executor: HistoryThread, name: String) {
      self.executor = executor
      self.name = name
    }
  }

  func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    pthread_mutex_lock(mutex)
    jobs.append(job)
    pthread_cond_signal(condition)
    pthread_mutex_unlock(mutex)
  }

  func asUnownedSerialExecutor() -> UnownedSerialExecutor {
    UnownedSerialExecutor(ordinary: self)
  }

  /// The store's isolated code runs on this thread and no other (`assumeIsolated`, precondition checks).
  func checkIsolated() {
    precondition(isCurrent, "not on the history thread")
  }

  var isCurrent: Bool { pthread_equal(pthread_self(), thread) != 0 }

  /// Lets the thread end once the jobs already queued have run.
  func shutdown() {
    pthread_mutex_lock(mutex)
    stopping = true
    pthread_cond_signal(condition)
    pthread_mutex_unlock(mutex)
  }

  /// Names the calling thread for `top -H`, `ps` and the idle test's per-thread counts (Glibc's
  /// module does not export `pthread_setname_np`; the kernel takes the name through `/proc`).
  static func nameCurrentThread(_ name: String) {
    guard let comm = try? HistoryFile(opening: "/proc/thread-self/comm", O_WRONLY) else { return }
    try? comm.write(Array(name.utf8.prefix(15)))
  }

  /// The calling thread's kernel id (`gettid`, which Glibc's module does not export either).
  static func currentThreadID() -> Int32 {
    var link = [CChar](repeating: 0, count: 64)
    let count = readlink("/proc/thread-self", &link, link.count - 1)
    guard count > 0 else { return -1 }
    let text = String(decoding: link[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return text.split(separator: "/").last.flatMap { Int32($0) } ?? -1
  }

  private func run() {
    pthread_mutex_lock(mutex)
    threadID = Self.currentThreadID()
    pthread_cond_broadcast(condition)
    while true {
      while jobs.isEmpty && !stopping { pthread_cond_wait(condition, mutex) }
      if jobs.isEmpty { break }
      let batch = jobs
      jobs.removeAll(keepingCapacity: true)
      pthread_mutex_unlock(mutex)
      for job in batch { job.runSynchronously(on: asUnownedSerialExecutor()) }
      pthread_mutex_lock(mutex)
    }
    pthread_mutex_unlock(mutex)
  }
}
