/// Random faults, as rates in 0...1, drawn from a seeded generator so that runs repeat.
///
/// This is the value the CLI maps its `--fault-*` flags onto. Scripted, deterministic faults are
/// queued at run time with ``FalEmulator/injectFaults(_:on:)`` and always win over random ones.
public struct FaultInjection: Sendable, Hashable {
  /// Seed of the generator behind every rate below.
  public var seed: UInt64
  /// Added to every request before it is answered.
  public var latency: Duration
  /// Rate of platform 503s (`runner_scheduling_failure`, with `x-fal-request-id`).
  public var errorRate: Double
  /// Rate of ingress 502s (nginx HTML, no `x-fal-request-id`).
  public var ingressErrorRate: Double
  /// Rate of 429s with `Retry-After`.
  public var rateLimitRate: Double
  /// The `Retry-After` seconds sent with random 429s.
  public var retryAfter: Int
  /// Rate of connections closed without a response.
  public var dropConnectionRate: Double
  /// Rate of status streams cut after their first event.
  public var dropStreamRate: Double
  /// Rate of 200 answers whose JSON body is malformed.
  public var malformedBodyRate: Double
  /// Routes the random faults apply to; storage and file routes can be spared, for example.
  public var routes: Set<RouteKind>
  /// When set, every result carries this text as `x-fal-billable-units` (see
  /// ``Fault/billableUnitsHeader(_:)``): a server's malformed billing header, for end-to-end tests.
  public var billableUnitsHeader: String?
  /// Every error answer (4xx/5xx, on any route) quotes the request's headers, `Authorization`
  /// included, as a debugging proxy might: clients must not show or store the key they sent.
  public var echoRequestHeaders: Bool

  public init(
    seed: UInt64 = 0x5EED,
    latency: Duration = .zero,
    errorRate: Double = 0,
    ingressErrorRate: Double = 0,
    rateLimitRate: Double = 0,
    retryAfter: Int = 1,
    dropConnectionRate: Double = 0,
    dropStreamRate: Double = 0,
    malformedBodyRate: Double = 0,
    routes: Set<RouteKind> = Set(RouteKind.allCases).subtracting([.other]),
    billableUnitsHeader: String? = nil,
    echoRequestHeaders: Bool = false
  ) {
    self.seed = seed
    self.latency = latency
    self.errorRate = errorRate
    self.ingressErrorRate = ingressErrorRate
    self.rateLimitRate = rateLimitRate
    self.retryAfter = retryAfter
    self.dropConnectionRate = dropConnectionRate
    self.dropStreamRate = dropStreamRate
    self.malformedBodyRate = malformedBodyRate
    self.routes = routes
    self.billableUnitsHeader = billableUnitsHeader
    self.echoRequestHeaders = echoRequestHeaders
  }

  /// True when no random fault can fire (latency aside).
  public var isQuiet: Bool {
    errorRate == 0 && ingressErrorRate == 0 && rateLimitRate == 0 && dropConnectionRate == 0
      && dropStreamRate == 0 && malformedBodyRate == 0
  }
}
