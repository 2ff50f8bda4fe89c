import Synchronization

/// Items recorded from any thread, and waits for what they come to, bounded by a deadline: the
/// tests wait on what the runtime reports, never for a fixed time.
public final class Recorder<Item: Sendable>: Sendable {
  /// Looks at everything recorded so far (under the lock: it must not touch the recorder).
  private typealias Check = @Sendable ([Item]) -> Item?

  private struct Waiter {
    let id: Int
    let check: Check
    let continuation: CheckedContinuation<Item?, Never>
  }

  private struct State {
    var items: [Item] = []
    var waiters: [Waiter] = []
    var nextID = 0
    /// Deadlines that passed before their waiter was registered.
    var expired: Set<Int> = []
  }

  private let state = Mutex(State())

  public init() {}

  public var items: [Item] { state.withLock { $0.items } }

  public func append(_ item: Item) {
    let ready = state.withLock { state in
      state.items.append(item)
      var ready: [(Waiter, Item)] = []
      state.waiters.removeAll { waiter in
        guard let found = waiter.check(state.items) else { return false }
        ready.append((waiter, found))
        return true
      }
      return ready
    }
    for (waiter, item) in ready { waiter.continuation.resume(returning: item) }
  }

  /// The first item, recorded already or yet to come, that `matches`; nil when none came within
  /// `timeout` (the bound that keeps a broken runtime from hanging the suite).
  public func first(within timeout: Duration = .seconds(30), where matches: @escaping @Sendable (Item) -> Bool) async
    -> Item?
  {
    await wait(within: timeout) { $0.first(where: matches) }
  }

  /// Whether `count` items were recorded within `timeout`.
  public func count(reaching count: Int, within timeout: Duration = .seconds(30)) async -> Bool {
    await wait(within: timeout) { $0.count >= count ? $0.last : nil } != nil
  }

  /// Whether `count` items that `match` were recorded within `timeout`.
  public func count(
    of matches: @escaping @Sendable (Item) -> Bool, reaching count: Int, within timeout: Duration = .seconds(30)
  ) async -> Bool {
    await wait(within: timeout) { items in
      let matching = items.filter(matches)
      return matching.count >= count ? matching.last : nil
    } != nil
  }

  private func wait(within timeout: Duration, _ check: @escaping Check) async -> Item? {
    let id = state.withLock { state in
      defer { state.nextID += 1 }
      return state.nextID
    }
    let expiry = Task {
      guard (try? await Task.sleep(for: timeout)) != nil else { return }
      self.expire(id)
    }
    defer { expiry.cancel() }
    return await withCheckedContinuation { continuation in
      // nil: registered, to be resumed by an append or the deadline; else resumed here at once.
      let now: Item?? = state.withLock { state in
        if let item = check(state.items) { return .some(item) }
        if state.expired.remove(id) != nil { return .some(nil) }
        state.waiters.append(Waiter(id: id, check: check, continuation: continuation))
        return .none
      }
      if let now { continuation.resume(returning: now) }
    }
  }

  private func expire(_ id: Int) {
    let waiter = state.withLock { state -> Waiter? in
      guard let index = state.waiters.firstIndex(where: { $0.id == id }) else {
        state.expired.insert(id)
        return nil
      }
      return state.waiters.remove(at: index)
    }
    waiter?.continuation.resume(returning: nil)
  }
}
