/// The server could not be reached (or answered with a transient error) while following a job, or
/// turned a submit away for now.
public struct ConnectionTrouble: Sendable, Hashable {
  /// What failed last, in words (sanitised of the key).
  public var reason: String
  /// Failed attempts in a row.
  public var failures: Int
  /// How long until the next attempt.
  public var retryIn: Duration
  /// The server answered and said "not now" (429 too many requests, 503 unavailable): it is
  /// reachable and busy, not lost, and a submit waiting on it has not been taken.
  public var busy: Bool

  public init(reason: String, failures: Int, retryIn: Duration, busy: Bool = false) {
    self.reason = reason
    self.failures = failures
    self.retryIn = retryIn
    self.busy = busy
  }
}
