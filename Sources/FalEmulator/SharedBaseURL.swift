import Synchronization

/// The base URL every returned URL starts with. Known only once the listener has its port, and
/// read from many tasks, hence a lock rather than an actor hop on every response.
final class SharedBaseURL: Sendable {
  private let value: Mutex<String>

  init(_ initial: String) {
    value = Mutex(initial)
  }

  var current: String {
    get { value.withLock { $0 } }
    set { value.withLock { $0 = newValue } }
  }
}
