#if os(Linux)
import Glibc
// `ExecutorFactory` and `SchedulingExecutor` are SPI in Swift 6.3 (the custom main and global
// executors pitch); this module is the only user, and `installAsDefault()` its only entry point.
@_spi(ExperimentalCustomExecutors) @_spi(ExperimentalScheduling) import _Concurrency

/// Swift concurrency's global executor on threads of our own, which sleep while there is no work.
///
/// Why not Swift's default executor: on Linux it runs tasks on libdispatch's global queues, and the
/// first worker libdispatch starts for one of them also starts its workqueue monitor
/// (`_dispatch_workq_worker_register` → `_dispatch_workq_init_once` in swift-corelibs-libdispatch
/// `src/event/workqueue.c`): a timer source on the manager queue with a 1 s interval and no leeway,
/// never cancelled. So every Swift process on Linux that has run a single task wakes once a second
/// for the rest of its life (the manager thread re-arms a `timerfd`), and idle workers are reaped
/// after 5 s and respawned on the next job. The idle studio cannot reach zero wake-ups on it.
///
/// Here a fixed set of threads waits on a condition variable with no timeout while there is no job,
/// and one timer thread holds the delayed jobs (`Task.sleep`), waiting with a deadline only while
/// one is pending. Idle, every thread is blocked for good: no timers, no reaping. (A cancelled
/// `Task.sleep` still fires at its deadline, here as on libdispatch: the runtime has no way to
/// withdraw a scheduled job, so each one costs a wake-up then.)
///
/// Jobs run first in, first out, without priorities, on the generic executor (as libdispatch's
/// global executor runs them). Like a cooperative pool, the pool does not grow: a job that blocks
/// its thread holds it until it returns (libdispatch on Linux would add a thread within a second).
/// Tasks that must block belong on threads of their own, as the studio's UI and network threads
/// already are.
final class QuietTaskExecutor: TaskExecutor, SchedulingExecutor, @unchecked Sendable {
  // @unchecked Sendable: `ready`, `delayed` and `idleWorkers` are only touched with `lock` held;
  // the rest is immutable after init. The pool's threads keep the executor alive for good.

  private let lock: UnsafeMutablePointer<pthread_mutex_t>
  private let jobsReady: UnsafeMutablePointer<pthread_cond_t>
  private let timersChanged: UnsafeMutablePointer<pthread_cond_t>
  private var ready = FIFO<UnownedJob>()
  private var delayed = DeadlineHeap<UnownedJob>()
  private var idleWorkers = 0

  /// Starts `threads` worker threads and the timer thread, named `name-0`, `name-1`, … and
  /// `name-timer` (15 bytes at most in /proc); they run for the life of the process.
  init(threads: Int, name: String) {
    precondition(threads > 0, "a pool needs a thread")
    lock = .allocate(capacity: 1)
    pthread_mutex_init(lock, nil)
    jobsReady = .allocate(capacity: 1)
    pthread_cond_init(jobsReady, nil)
    // Deadlines are CLOCK_MONOTONIC nanoseconds, so the timer thread's waits use that clock too.
    var attributes = pthread_condattr_t()
    pthread_condattr_init(&attributes)
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
    timersChanged = .allocate(capacity: 1)
    pthread_cond_init(timersChanged, &attributes)
    pthread_condattr_destroy(&attributes)
    for index in 0..<threads {
      PoolThread.start(name: "\(name)-\(index)") { self.runJobs() }
    }
    PoolThread.start(name: "\(name)-timer") { self.runTimers() }
  }

  func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    pthread_mutex_lock(lock)
    ready.append(job)
    let wake = idleWorkers > 0
    pthread_mutex_unlock(lock)
    if wake { pthread_cond_signal(jobsReady) }
  }

  func enqueue<C: Clock>(
    _ job: consuming ExecutorJob, at instant: C.Instant, tolerance: C.Duration?, clock: C
  ) {
    // The standard clocks measure in `Duration`; the delay is taken against the job's own clock and
    // then counted on CLOCK_MONOTONIC. (ContinuousClock also counts time suspended; a laptop's
    // sleep would delay such a job by that long, which the studio does not care about.)
    if let delay = clock.now.duration(to: instant) as? Duration {
      schedule(UnownedJob(job), atNanoseconds: Self.deadline(after: delay))
    } else if let platform = PlatformExecutorFactory.defaultExecutor as? any SchedulingExecutor {
      // A clock with its own duration type: leave it to the platform executor, which knows how to
      // convert it (at the price of libdispatch's monitor, as above).
      platform.enqueue(job, at: instant, tolerance: tolerance, clock: clock)
    } else {
      fatalError("QuietTaskExecutor: cannot schedule on clock \(C.self)")
    }
  }

  /// Pending delayed jobs (for tests).
  var delayedCount: Int {
    pthread_mutex_lock(lock)
    defer { pthread_mutex_unlock(lock) }
    return delayed.count
  }

  // MARK: - Threads

  private func runJobs() -> Never {
    while true {
      pthread_mutex_lock(lock)
      var next = ready.popFirst()
      while next == nil {
        idleWorkers += 1
        pthread_cond_wait(jobsReady, lock)
        idleWorkers -= 1
        next = ready.popFirst()
      }
      pthread_mutex_unlock(lock)
      next?.runSynchronously(on: Self.genericExecutor)
    }
  }

  private func runTimers() -> Never {
    pthread_mutex_lock(lock)
    while true {
      let now = Self.monotonicNanoseconds()
      var moved = 0
      while let job = delayed.popDue(now: now) {
        ready.append(job)
        moved += 1
      }
      if moved == 1 {
        pthread_cond_signal(jobsReady)
      } else if moved > 1 {
        pthread_cond_broadcast(jobsReady)
      }
      if let earliest = delayed.earliest {
        var until = timespec(
          tv_sec: Int(earliest / 1_000_000_000), tv_nsec: Int(earliest % 1_000_000_000))
        pthread_cond_timedwait(timersChanged, lock, &until)
      } else {
        pthread_cond_wait(timersChanged, lock)
      }
    }
  }

  private func schedule(_ job: UnownedJob, atNanoseconds deadline: UInt64) {
    pthread_mutex_lock(lock)
    // Only a new earliest deadline changes how long the timer thread has to wait.
    let wakeTimer = delayed.earliest.map { deadline < $0 } ?? true
    delayed.insert(job, deadline: deadline)
    pthread_mutex_unlock(lock)
    if wakeTimer { pthread_cond_signal(timersChanged) }
  }

  // MARK: - Time and the generic executor

  static func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
  }

  /// CLOCK_MONOTONIC nanoseconds `delay` from now; negative delays are now, huge ones saturate.
  static func deadline(after delay: Duration) -> UInt64 {
    let (seconds, attoseconds) = delay.components
    guard seconds >= 0, attoseconds >= 0 else { return monotonicNanoseconds() }
    let cap: Int64 = 100 * 365 * 86_400  // a century: later than anything will run
    let nanoseconds = UInt64(min(seconds, cap)) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
    return monotonicNanoseconds() + nanoseconds
  }

  /// The runtime's generic executor (`SerialExecutorRef::generic()`: no identity, no witness
  /// table), which is what a job on the global executor runs on: it is not isolated to anything.
  /// The standard library has no public spelling for it, hence the bit pattern.
  static let genericExecutor: UnownedSerialExecutor = {
    precondition(MemoryLayout<UnownedSerialExecutor>.size == 2 * MemoryLayout<UInt>.size)
    return unsafeBitCast((UInt(0), UInt(0)), to: UnownedSerialExecutor.self)
  }()
}

// MARK: - The process's default executor

/// Installs ``QuietTaskExecutor`` as the process's default executor.
public enum QuietExecutor {
  /// The process-wide pool: one thread per online CPU, at least two (the width libdispatch gives
  /// Swift's cooperative queues).
  static let process = QuietTaskExecutor(
    threads: max(2, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))), name: "magi-task")

  /// Makes a ``QuietTaskExecutor`` the default executor of every task, in place of libdispatch's
  /// global queues; the main actor stays on the platform's main executor (libdispatch's main queue,
  /// whose workers do not start the monitor).
  ///
  /// Call it first thing in `main`, before anything runs on the global executor: jobs already
  /// handed to libdispatch would still run there, and its monitor would be started for good.
  public static func installAsDefault() {
    _createExecutors(factory: ProcessExecutors.self)
  }
}

/// What the runtime asks for the main and default executors.
struct ProcessExecutors: ExecutorFactory {
  static var mainExecutor: any MainExecutor { PlatformExecutorFactory.mainExecutor }
  static var defaultExecutor: any TaskExecutor { QuietExecutor.process }
}

#else

/// Elsewhere the platform's executors stay: libdispatch's monitor timer is specific to its Linux
/// build (Darwin's kernel workqueues have none).
public enum QuietExecutor {
  public static func installAsDefault() {}
}

#endif
