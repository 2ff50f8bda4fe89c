/// The server could not be reached (or answered with a transient error) while following a job.
public struct ConnectionTrouble: Sendable, Hashable {
  /// What failed last, in words (sanitised of the key).
  public var reason: String
  /// Failed attempts in a row.
  public var failures: Int
  /// How long until the next attempt.
  public var retryIn: Duration

  public init(reason: String, failures: Int, retryIn: Duration) {
    self.reason = reason
    self.failures = failures
    self.retryIn = retryIn
  }
}
