import Foundation
import Synchronization

@testable import FalEmulator

/// An ``EmulatorClock`` that moves only when the test says so: sleepers wake when ``advance(by:)``
/// passes their deadline, so timing rules are tested without waiting for them.
final class ManualClock: Sendable {
  private struct Sleeper {
    var id: Int
    var deadline: Date
    var continuation: CheckedContinuation<Void, any Error>
  }

  private struct State {
    var now = Date(timeIntervalSince1970: 1_800_000_000)
    var sleepers: [Sleeper] = []
    var nextID = 0
  }

  private let state = Mutex(State())

  var now: Date { state.withLock { $0.now } }

  var clock: EmulatorClock {
    EmulatorClock(now: { self.now }, sleep: { try await self.sleep($0) })
  }

  /// How many tasks wait on this clock.
  var sleeperCount: Int { state.withLock { $0.sleepers.count } }

  func advance(by seconds: TimeInterval) {
    let due = state.withLock { state -> [Sleeper] in
      state.now = state.now.addingTimeInterval(seconds)
      let now = state.now
      let due = state.sleepers.filter { $0.deadline <= now }
      state.sleepers.removeAll { $0.deadline <= now }
      return due
    }
    for sleeper in due { sleeper.continuation.resume() }
  }

  private func sleep(_ duration: Duration) async throws {
    let id = state.withLock { state -> Int in
      state.nextID += 1
      return state.nextID
    }
    try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
        let immediate = state.withLock { state -> Bool in
          let deadline = state.now.addingTimeInterval(duration.seconds)
          if deadline <= state.now || Task.isCancelled { return true }
          state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
          return false
        }
        if immediate { continuation.resume() }
      }
    } onCancel: {
      let cancelled = state.withLock { state -> Sleeper? in
        guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
        return state.sleepers.remove(at: index)
      }
      cancelled?.continuation.resume(throwing: CancellationError())
    }
    try Task.checkCancellation()
  }
}
