import FalProtocol

/// When and how long to wait before trying a call again.
///
/// Exponential backoff with jitter on connection errors, 5xx and 429 (honouring `Retry-After`), never
/// on other 4xx. A submit is only retried when the server cannot have accepted it: a refused
/// connection, or an explicit 429 or 503 (``mayHaveActed(_:)``). A duplicate job costs the user money.
public struct RetryPolicy: Sendable, Hashable {
  public var maxAttempts: Int
  public var baseDelay: Duration
  public var maxDelay: Duration
  /// ±fraction of the delay, drawn at random, so that many clients do not retry in step.
  public var jitter: Double
  /// Upper bound on a server's `Retry-After` we agree to wait.
  public var maxRetryAfter: Duration
  /// How many attempts a call may make while the server keeps answering 429 (too many requests):
  /// an explicit "not now" that took nothing. A batch waits out a long storm (it is slowed, not
  /// failed); a single interactive call gives up with the other failures, after ``maxAttempts``.
  public var maxRefusals: Int

  public init(
    maxAttempts: Int = 5, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(30),
    jitter: Double = 0.25, maxRetryAfter: Duration = .seconds(120), maxRefusals: Int? = nil
  ) {
    self.maxAttempts = maxAttempts
    self.maxRefusals = maxRefusals ?? maxAttempts
    self.baseDelay = baseDelay
    self.maxDelay = maxDelay
    self.jitter = jitter
    self.maxRetryAfter = maxRetryAfter
  }

  public static let `default` = RetryPolicy()
  public static let none = RetryPolicy(maxAttempts: 1)
  /// For batches: a 429 storm at submit is waited out for up to 30 attempts (about a quarter of an
  /// hour at fal's usual `Retry-After`, or at the 30 s backoff cap), so it slows the batch rather
  /// than failing its jobs; other failures give up as by default.
  public static let batch = RetryPolicy(maxRefusals: 30)

  /// What a failed attempt was.
  public enum Failure: Sendable, Hashable {
    case transport(TransportError)
    case status(Int, retryAfter: Duration?)
  }

  /// Whether a call may have had its effect on the server even though it failed.
  public enum Safety: Sendable, Hashable {
    /// Reading or idempotent: safe to repeat.
    case idempotent
    /// Creates something (submit): repeat only when the server surely did not act.
    case creates
  }

  /// Whether the server may have acted on a call that failed this way: the request may have
  /// reached it and only the answer is missing (a connection lost or timed out after sending, a
  /// gateway that gave up waiting, a 500 from inside). A call that creates something is never
  /// repeated after such a failure, and its outcome is reported as unknown, not as failed.
  public static func mayHaveActed(_ failure: Failure) -> Bool {
    switch failure {
    case .transport(let error):
      switch error.kind {
      case .cannotConnect, .tls, .file, .invalidRequest: false
      case .timedOut, .connectionLost, .other, .cancelled, .bodyTooLarge: true
      }
    case .status(let code, _):
      [408, 500, 502, 504].contains(code)
    }
  }

  /// The delay before attempt `attempt + 1`, or nil to give up. `attempt` counts from 1.
  public func delay(
    after failure: Failure, attempt: Int, safety: Safety, random: Double = Double.random(in: 0...1)
  ) -> Duration? {
    if case .status(429, _) = failure {
      guard attempt < maxRefusals else { return nil }
    } else {
      guard attempt < maxAttempts else { return nil }
    }
    if safety == .creates, Self.mayHaveActed(failure) { return nil }
    var serverDelay: Duration?
    switch failure {
    case .transport(let error):
      switch error.kind {
      case .cancelled, .bodyTooLarge, .file, .invalidRequest, .tls: return nil
      case .cannotConnect, .timedOut, .connectionLost, .other: break
      }
    case .status(let code, let retryAfter):
      switch code {
      case 408, 429, 500, 502, 503, 504: serverDelay = retryAfter
      default: return nil
      }
    }
    if let serverDelay { return min(serverDelay, maxRetryAfter) }
    let exponent = Double(1 << min(attempt - 1, 20))
    let raw = min(baseDelay * exponent, maxDelay)
    let factor = 1 + jitter * (2 * random - 1)
    return raw * factor
  }

  /// Parses `Retry-After` as seconds (fal and most proxies send seconds; HTTP dates are ignored).
  public static func parseRetryAfter(_ value: String?) -> Duration? {
    guard let value, let seconds = Double(value.trimmingWhitespace()), seconds.isFinite, seconds >= 0 else {
      return nil
    }
    // Bounded before the conversion: a server's `1e20` would overflow Int64 (a trap), and any wait
    // past a day is capped by ``maxRetryAfter`` anyway.
    return .milliseconds(Int64(min(seconds, 86_400) * 1000))
  }
}
