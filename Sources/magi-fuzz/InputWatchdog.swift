import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Ends the child when one input runs longer than a limit: a hang is a finding like a trap, and the
/// input it was on is already on disk. The parent knows it by the `hang:` line and signal 6.
///
/// The limit is on the CPU time the child spends on the input, not on wall time: on a loaded
/// machine (the suite runs its fuzz children in parallel with everything else) an input that got
/// little of the CPU is no hang, and a hang spins, so its CPU time grows like wall time.
enum InputWatchdog {
  /// The process's CPU time (nanoseconds) when the running input started; 0 between inputs.
  private static let started = Atomic<UInt64>(0)

  static func start(limit seconds: Double) {
    let limit = UInt64(seconds * 1e9)
    let thread = Thread {
      while true {
        Thread.sleep(forTimeInterval: 0.25)  // a watchdog's tick, not synchronisation
        let begin = started.load(ordering: .relaxed)
        if begin != 0, cpuNanoseconds() &- begin > limit {
          FileHandle.standardError.write(Data("hang: one input ran longer than \(seconds) s\n".utf8))
          abort()
        }
      }
    }
    thread.start()
  }

  static func willRun() { started.store(max(1, cpuNanoseconds()), ordering: .relaxed) }
  static func didRun() { started.store(0, ordering: .relaxed) }

  /// CPU time used so far by all of this process's threads.
  private static func cpuNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
  }
}
