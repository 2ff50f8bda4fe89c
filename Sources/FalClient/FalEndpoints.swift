/// The three fal hosts the client talks to, as base URLs.
///
/// Production uses `queue.fal.run`, `rest.fal.ai` and `v3.fal.media`; the emulator serves all three
/// on one loopback port, and any fal-compatible server (or a TLS proxy in front of one) can stand in.
public struct FalEndpoints: Sendable, Hashable {
  /// Submit, status, stream, result, cancel.
  public var queue: String
  /// Storage initiate and CDN tokens.
  public var rest: String
  /// CDN direct uploads.
  public var cdn: String

  public init(queue: String, rest: String, cdn: String) {
    self.queue = Self.normalised(queue)
    self.rest = Self.normalised(rest)
    self.cdn = Self.normalised(cdn)
  }

  /// One server answering for all three hosts, as the emulator does.
  public init(single base: String) {
    self.init(queue: base, rest: base, cdn: base)
  }

  public static let production = FalEndpoints(
    queue: "https://queue.fal.run", rest: "https://rest.fal.ai", cdn: "https://v3.fal.media")

  /// Applies `MAGI_FAL_URL` (all three) and then `MAGI_FAL_QUEUE_URL`, `MAGI_FAL_REST_URL`,
  /// `MAGI_FAL_CDN_URL` (one each) from the environment over `self`.
  public func overridden(by environment: [String: String]) -> FalEndpoints {
    var result = self
    if let base = environment["MAGI_FAL_URL"], !base.isEmpty { result = FalEndpoints(single: base) }
    if let queue = environment["MAGI_FAL_QUEUE_URL"], !queue.isEmpty { result.queue = Self.normalised(queue) }
    if let rest = environment["MAGI_FAL_REST_URL"], !rest.isEmpty { result.rest = Self.normalised(rest) }
    if let cdn = environment["MAGI_FAL_CDN_URL"], !cdn.isEmpty { result.cdn = Self.normalised(cdn) }
    return result
  }

  /// Validates that every base is an absolute http(s) URL.
  public func validated() throws(FalClientError) -> FalEndpoints {
    for base in [queue, rest, cdn] {
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
