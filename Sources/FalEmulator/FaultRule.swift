import Foundation

/// A fault set while the twin runs (``FalEmulator/addFaultRules(_:)`` or `POST /_emulator/faults`):
/// what happens to calls of one kind, for the next `count` of them or for a share of them.
///
/// Rules are consulted after the scripted faults of ``FalEmulator/injectFaults(_:on:)`` and before
/// the random rates of ``FaultInjection``; the first rule that fires wins.
public struct FaultRule: Sendable, Hashable {
  public var target: FaultTarget
  public var fault: Fault
  /// Calls still to be faulted; `nil` with a ``rate`` means "until reset".
  public var remaining: Int?
  /// Share of calls faulted (0–1), drawn from the injector's seeded generator; `nil`: every call.
  public var rate: Double?

  public init(target: FaultTarget, fault: Fault, count: Int? = nil, rate: Double? = nil) {
    self.target = target
    self.fault = fault
    self.remaining = count ?? (rate == nil ? 1 : nil)
    self.rate = rate
  }

  /// The control route's JSON form of a rule:
  /// `{"kind":"status","action":"status","status":429,"retry_after":1,"count":3}`.
  ///
  /// Actions: `status` (a platform error: 500/502/503/504 with `x-fal-request-id` and `error_type`,
  /// or 429 with `Retry-After`), `ingress` (502/503/504 as nginx's HTML page, without a request id:
  /// what Python retries), `drop` (close before replying), `accept_then_drop` (do the work, then
  /// close without the reply), `stall` (`seconds`, then answer normally), `silence` (send the
  /// response head, then nothing), `end` (submit only: queue the job, which then ends with
  /// `error_type` as fal ends it, e.g. `runner_disconnected` or `content_policy_violation`).
  struct Body: Codable, Equatable {
    var kind: String
    var action: String
    var status: Int?
    var retryAfter: Int?
    var seconds: Double?
    var count: Int?
    var rate: Double?
    var errorType: String?

    enum CodingKeys: String, CodingKey {
      case kind, action, status, seconds, count, rate
      case retryAfter = "retry_after"
      case errorType = "error_type"
    }
  }

  /// Reads a rule from its JSON form; the error says what is wrong, for the control route's 422.
  init(body: Body) throws(RuleError) {
    guard let target = FaultTarget(rawValue: body.kind) else {
      throw RuleError(
        "unknown kind \(body.kind); one of \(FaultTarget.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    if let count = body.count, count < 1 { throw RuleError("count must be at least 1") }
    if let rate = body.rate, !(rate > 0 && rate <= 1) { throw RuleError("rate must be in (0, 1]") }
    if body.count != nil, body.rate != nil { throw RuleError("give count or rate, not both") }
    let fault: Fault
    switch body.action {
    case "status":
      guard let status = body.status, [429, 500, 502, 503, 504].contains(status) else {
        throw RuleError("action status takes status 429, 500, 502, 503 or 504")
      }
      if status == 429 {
        let retryAfter = body.retryAfter ?? 1
        guard retryAfter >= 0 else { throw RuleError("retry_after must be 0 or more") }
        fault = .rateLimited(retryAfter: retryAfter)
      } else {
        fault = .status(status)
      }
    case "ingress":
      guard let status = body.status, [502, 503, 504].contains(status) else {
        throw RuleError("action ingress takes status 502, 503 or 504")
      }
      fault = .ingress(status)
    case "drop": fault = .dropConnection
    case "accept_then_drop": fault = .acceptThenDrop
    case "stall":
      guard let seconds = body.seconds, seconds > 0, seconds <= 3600 else {
        throw RuleError("action stall takes seconds in (0, 3600]")
      }
      fault = .latency(.milliseconds(Int64((seconds * 1000).rounded())))
    case "silence": fault = .silentStream
    case "end":
      guard target == .submit else { throw RuleError("action end is for kind submit") }
      guard let type = body.errorType, !type.isEmpty, type.utf8.count <= 64,
        type.utf8.allSatisfy({ $0 == UInt8(ascii: "_") || (0x61...0x7A).contains($0) })
      else { throw RuleError("action end takes error_type, e.g. runner_disconnected") }
      fault = .jobEndsWith(errorType: type)
    default:
      throw RuleError(
        "unknown action \(body.action); one of status, ingress, drop, accept_then_drop, stall, silence, end")
    }
    self.init(target: target, fault: fault, count: body.count, rate: body.rate)
  }

  /// The JSON form, with what is left of the count; nil for faults the control route cannot set.
  var body: Body? {
    var body = Body(kind: target.rawValue, action: "", count: remaining, rate: rate)
    switch fault {
    case .status(let code):
      body.action = "status"
      body.status = code
    case .rateLimited(let retryAfter):
      body.action = "status"
      body.status = 429
      body.retryAfter = retryAfter
    case .ingress(let code):
      body.action = "ingress"
      body.status = code
    case .dropConnection: body.action = "drop"
    case .acceptThenDrop: body.action = "accept_then_drop"
    case .latency(let duration):
      body.action = "stall"
      body.seconds = duration.seconds
    case .silentStream: body.action = "silence"
    case .jobEndsWith(let type):
      body.action = "end"
      body.errorType = type
    default: return nil
    }
    return body
  }

  struct RuleError: Error {
    var message: String
    init(_ message: String) { self.message = message }
  }
}
