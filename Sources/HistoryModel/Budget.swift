import FalProtocol

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// `[budget]` in config.toml: what one batch (one `generate` or `batch` invocation, one studio
/// submit or batch, a single job included) and one day (UTC) may cost, in US dollars. Nil: no
/// limit. StudioCore reads it from the config; the arithmetic is here, pure, so that the CLI's
/// gate and the studio's question weigh a submit alike.
public struct Budget: Sendable, Hashable {
  public var perBatch: Double?
  public var perDay: Double?

  public init(perBatch: Double? = nil, perDay: Double? = nil) {
    self.perBatch = perBatch
    self.perDay = perDay
  }

  public var isSet: Bool { perBatch != nil || perDay != nil }

  /// Why a submit would pass a limit, with the figures.
  public enum Refusal: Sendable, Hashable, CustomStringConvertible {
    case perBatch(cost: Double, limit: Double)
    case perDay(spent: Double, cost: Double, limit: Double)

    public var description: String {
      switch self {
      case .perBatch(let cost, let limit):
        "about \(Budget.dollars(cost)) is over budget.per_batch (\(Budget.dollars(limit)))"
      case .perDay(let spent, let cost, let limit):
        "today's spend \(Budget.dollars(spent)) + about \(Budget.dollars(cost)) = \(Budget.dollars(spent + cost)) is over budget.per_day (\(Budget.dollars(limit)))"
      }
    }
  }

  /// The limit `cost` more would pass with `spentToday` already spent; nil when it fits. Reaching a
  /// limit exactly is within it (a cent's float noise aside).
  public func check(cost: Double, spentToday: Double) -> Refusal? {
    let tolerance = 1e-9
    if let perBatch, cost > perBatch + tolerance { return .perBatch(cost: cost, limit: perBatch) }
    if let perDay, spentToday + cost > perDay + tolerance {
      return .perDay(spent: spentToday, cost: cost, limit: perDay)
    }
    return nil
  }

  /// What a record counts for in the day's spend: billed units for a finished job (the estimate
  /// when fal sent no usable count), the estimate for one still submitting, queued, running or of
  /// unknown outcome (it may be billed), nothing for one that failed, was cancelled or was lost,
  /// and nothing for a job of the embedded offline twin, which bills nothing.
  public static func spend(of record: GenerationRecord, pricePerUnit: (MagiModel) -> Double) -> Double {
    if record.ranOnEmbeddedTwin { return 0 }
    switch record.status {
    case .failed, .cancelled, .lost: return 0
    case .completed, .submitting, .queued, .running, .unknown:
      let units = record.billing?.units ?? estimatedUnits(of: record)
      return units * pricePerUnit(record.model)
    }
  }

  /// The units a record's input will be billed for (defaults applied); 0 for an input the schema refuses.
  public static func estimatedUnits(of record: GenerationRecord) -> Double {
    guard
      case .success(let input) = MagiSchema.validate(
        record.input, for: MagiEndpoint(mode: record.mode, model: record.model))
    else { return 0 }
    return MagiSchema.billingUnits(of: input)
  }

  /// Midnight UTC of the day `now` falls in: where "today" starts.
  public static func dayStart(of now: Date) -> Date {
    Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400)
  }

  /// `$1.28`: cents, as the figures a user compares.
  public static func dollars(_ value: Double) -> String {
    let cents = Int((value * 100).rounded())
    let remainder = abs(cents % 100)
    return "\(cents < 0 ? "-" : "")$\(abs(cents) / 100).\(remainder < 10 ? "0" : "")\(remainder)"
  }
}
