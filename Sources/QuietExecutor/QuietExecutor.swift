#if os(Linux)
  import Glibc
  #if compiler(>=6.3)
    // Only two things here are not public API: `ExecutorFactory` (making this the process's default
    // executor) and `SchedulingExecutor` (receiving `Task.sleep`'s delayed jobs), both SPI of the custom
    // main and global executors pitch in Swift 6.3. They stay behind this guard; on any other compiler
    // the pool still works as a task executor preference and `installAsDefault()` reports `false`.
    @_spi(ExperimentalCustomExecutors) @_spi(ExperimentalScheduling) import _Concurrency
  #endif

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
  final class QuietTaskExecutor: TaskExecutor, @unchecked Sendable {
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
        next?.runSynchronously(on: asUnownedTaskExecutor())
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

    // MARK: - Time

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
  }

  #if compiler(>=6.3)
    extension QuietTaskExecutor: SchedulingExecutor {
      func enqueue<C: Clock>(
        _ job: consuming ExecutorJob, at instant: C.Instant, tolerance: C.Duration?, clock: C
      ) {
        // The standard clocks measure in `Duration`; the delay is taken against the job's own clock and
        // then counted on CLOCK_MONOTONIC. (ContinuousClock also counts time suspended; a laptop's
        // sleep would delay such a job by that long, which the studio does not care about.)
        if let delay = clock.now.duration(to: instant) as? Duration {
          schedule(UnownedJob(job), atNanoseconds: Self.deadline(after: delay))
        } else if let platform = PlatformExecutorFactory.defaultExecutor as? any SchedulingExecutor {
          // A clock with a duration of its own: the platform executor knows how to convert it (at the
          // price of libdispatch's monitor, as above).
          platform.enqueue(job, at: instant, tolerance: tolerance, clock: clock)
        } else {
          // Nothing here can convert the deadline: run the job now rather than never. A sleep on such a
          // clock then returns early, which its caller already has to tolerate (sleeps may be cut short
          // by cancellation too).
          enqueue(job)
        }
      }
    }
  #endif

  // MARK: - The process's default executor

  /// Installs ``QuietTaskExecutor`` as the process's default executor.
  public enum QuietExecutor {
    /// The process-wide pool: one thread per online CPU, at least two (the width libdispatch gives
    /// Swift's cooperative queues).
    static let process = QuietTaskExecutor(
      threads: max(2, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))), name: "magi-task")

    /// Makes a ``QuietTaskExecutor`` the default executor of every task, in place of libdispatch's
    /// global queues; the main actor stays on the platform's main executor (libdispatch's main queue,
    /// whose workers do not start the monitor). Returns whether it did: `false` on a compiler without
    /// the executor-factory hook, where Swift's default executor stays (correct, only not quiet).
    ///
    /// Call it first thing in `main`, before anything runs on the global executor: jobs already
    /// handed to libdispatch would still run there, and its monitor would be started for good.
    @discardableResult
    public static func installAsDefault() -> Bool {
      #if compiler(>=6.3)
        _createExecutors(factory: ProcessExecutors.self)
        return true
      #else
        return false
      #endif
    }
  }

  #if compiler(>=6.3)
    /// What the runtime asks for the main and default executors.
    struct ProcessExecutors: ExecutorFactory {
      static var mainExecutor: any MainExecutor { PlatformExecutorFactory.mainExecutor }
      static var defaultExecutor: any TaskExecutor { QuietExecutor.process }
    }
  #endif

#else

  /// Elsewhere the platform's executors stay: libdispatch's monitor timer is specific to its Linux
  /// build (Darwin's kernel workqueues have none).
  public enum QuietExecutor {
    @discardableResult
    public static func installAsDefault() -> Bool { false }
  }

#endif
