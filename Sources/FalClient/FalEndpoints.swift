/// The fal hosts the client talks to, as base URLs.
///
/// Production uses `queue.fal.run`, `rest.fal.ai`, `v3.fal.media` and `fal.run` (synchronous runs);
/// the emulator serves them all on one loopback port, and any fal-compatible server (or a TLS proxy
/// in front of one) can stand in.
public struct FalEndpoints: Sendable, Hashable {
  /// Submit, status, stream, result, cancel.
  public var queue: String
  /// Storage initiate and CDN tokens.
  public var rest: String
  /// CDN direct uploads.
  public var cdn: String
  /// The synchronous endpoint (`generate --sync`): one POST answered with the result.
  public var run: String

  public init(queue: String, rest: String, cdn: String, run: String = "https://fal.run") {
    self.queue = Self.normalised(queue)
    self.rest = Self.normalised(rest)
    self.cdn = Self.normalised(cdn)
    self.run = Self.normalised(run)
  }

  /// One server answering for every host, as the emulator does.
  public init(single base: String) {
    self.init(queue: base, rest: base, cdn: base, run: base)
  }

  public static let production = FalEndpoints(
    queue: "https://queue.fal.run", rest: "https://rest.fal.ai", cdn: "https://v3.fal.media", run: "https://fal.run")

  /// fal's synchronous host, sent as `Host` when the run base is the queue's too (one server for
  /// everything, as the twin): a `POST /{id}` is a queue submit or a sync run only by the host it
  /// names. Nil when the run has a base of its own.
  public var runHostHeader: String? { run == queue ? "fal.run" : nil }

  /// Applies `MAGI_FAL_URL` (all of them) and then `MAGI_FAL_QUEUE_URL`, `MAGI_FAL_REST_URL`,
  /// `MAGI_FAL_CDN_URL`, `MAGI_FAL_RUN_URL` (one each) from the environment over `self`.
  public func overridden(by environment: [String: String]) -> FalEndpoints {
    var result = self
    if let base = environment["MAGI_FAL_URL"], !base.isEmpty { result = FalEndpoints(single: base) }
    if let queue = environment["MAGI_FAL_QUEUE_URL"], !queue.isEmpty { result.queue = Self.normalised(queue) }
    if let rest = environment["MAGI_FAL_REST_URL"], !rest.isEmpty { result.rest = Self.normalised(rest) }
    if let cdn = environment["MAGI_FAL_CDN_URL"], !cdn.isEmpty { result.cdn = Self.normalised(cdn) }
    if let run = environment["MAGI_FAL_RUN_URL"], !run.isEmpty { result.run = Self.normalised(run) }
    return result
  }

  /// Validates that every base is an absolute http(s) URL.
  public func validated() throws(FalClientError) -> FalEndpoints {
    for base in [queue, rest, cdn, run] {
      let lower = base.lowercased()
      guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), lower.count > 8 else {
        throw .invalidConfiguration("base URL '\(base)' must start with http:// or https://")
      }
    }
    return self
  }

  private static func normalised(_ base: String) -> String {
    var value = base
    while value.hasSuffix("/") { value.removeLast() }
    return value
  }
}
