import Foundation
import Synchronization

/// Ends the child when one input runs longer than a limit: a hang is a finding like a trap, and the
/// input it was on is already on disk. The parent knows it by the `hang:` line and signal 6.
enum InputWatchdog {
  /// When the running input started (`DispatchTime` nanoseconds); 0 between inputs.
  private static let started = Atomic<UInt64>(0)

  static func start(limit seconds: Double) {
    let limit = UInt64(seconds * 1e9)
    let thread = Thread {
      while true {
        Thread.sleep(forTimeInterval: 0.25)  // a watchdog's tick, not synchronisation
        let begin = started.load(ordering: .relaxed)
        if begin != 0, DispatchTime.now().uptimeNanoseconds &- begin > limit {
          FileHandle.standardError.write(Data("hang: one input ran longer than \(seconds) s\n".utf8))
          abort()
        }
      }
    }
    thread.start()
  }

  static func willRun() { started.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed) }
  static func didRun() { started.store(0, ordering: .relaxed) }
}
