import Foundation

/// The emulator's notion of time: what "now" is (log timestamps, completion times) and how to wait
/// (inference steps, keep-alives). Injected so that the job model can be driven without real waits.
public struct EmulatorClock: Sendable {
  public var now: @Sendable () -> Date
  public var sleep: @Sendable (Duration) async throws -> Void

  public init(now: @escaping @Sendable () -> Date, sleep: @escaping @Sendable (Duration) async throws -> Void) {
    self.now = now
    self.sleep = sleep
  }

  /// Wall time and `Task.sleep`.
  public static let system = EmulatorClock(
    now: { Date() },
    sleep: { duration in try await Task.sleep(for: duration) })
}
