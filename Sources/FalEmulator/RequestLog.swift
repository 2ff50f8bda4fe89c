import Foundation
import Synchronization

/// The last requests the twin answered, as `GET /_emulator/requests` lists them: enough for a test
/// to count exactly what a client sent (each retry, each poll, with which credential scheme)
/// without the credential itself.
final class RequestLog: Sendable {
  struct Entry: Encodable, Equatable {
    var method: String
    var path: String
    var query: String
    var host: String
    /// The answer's HTTP status; 0 when the connection was closed without one.
    var status: Int
    /// The `Authorization` header's scheme with its credential masked (`Key ***`), or nil.
    var authorization: String?
    /// The fault that shaped the answer, if any (its control-route action).
    var fault: String?
  }

  /// Entries kept; older ones are forgotten, so a long-running embedded twin stays small.
  let capacity: Int
  private let entries = Mutex<[Entry]>([])

  init(capacity: Int = 10_000) {
    self.capacity = max(1, capacity)
  }

  func append(_ entry: Entry) {
    entries.withLock { list in
      list.append(entry)
      if list.count > capacity { list.removeFirst(list.count - capacity) }
    }
  }

  var snapshot: [Entry] { entries.withLock { $0 } }

  func clear() { entries.withLock { $0.removeAll() } }

  /// `Key abc:def` → `Key ***`: the scheme tells Key from Bearer; nothing of the secret is kept.
  static func mask(_ header: String?) -> String? {
    guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty else { return nil }
    let scheme = header.split(separator: " ", maxSplits: 1).first.map(String.init) ?? ""
    return header.contains(" ") ? "\(scheme) ***" : "***"
  }
}
