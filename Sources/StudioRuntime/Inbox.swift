import StudioUI
import Synchronization

/// What the loop's sleep can be woken by: the terminal's wake pipe in the studio, a condition in
/// the tests' fake terminal.
public protocol LoopWaker: Sendable {
  /// Asks the loop to run once more; never blocks.
  func wake()
}

/// Where tasks leave their results for the UI thread, which a wake-up tells to look.
public final class Inbox: Sendable {
  private let items = Mutex<[Action]>([])
  private let waker: any LoopWaker

  public init(waker: any LoopWaker) {
    self.waker = waker
  }

  /// Wakes the UI thread only for the first action it has not taken yet: a job's status and its log
  /// lines, posted one after the other, then cost one wake-up, not two. Safe because the loop
  /// empties the wake pipe before it drains: an action added after the drain finds the list empty
  /// and wakes it again.
  public func post(_ action: Action) {
    let wasEmpty = items.withLock { items in
      defer { items.append(action) }
      return items.isEmpty
    }
    if wasEmpty { waker.wake() }
  }

  /// Takes everything posted so far, oldest first.
  public func drain() -> [Action] {
    items.withLock { items in
      defer { items.removeAll(keepingCapacity: true) }
      return items
    }
  }
}
