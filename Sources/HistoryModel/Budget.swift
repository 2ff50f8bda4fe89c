import FalProtocol

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// `[budget]` in config.toml: what one batch (one `generate` or `batch` invocation, one studio
/// submit or batch, a single job included) and one day (UTC) may cost, in US dollars
/// (`per_batch`, `per_day`) or in fal's billing units (`per_batch_units`, `per_day_units`: the same
/// limit whatever the prices). Nil: no limit; every limit set applies. StudioCore reads it from the
/// config; the arithmetic is here, pure, so that the CLI's gate and the studio's question weigh a
/// submit alike.
public struct Budget: Sendable, Hashable {
  public var perBatch: Double?
  public var perDay: Double?
  public var perBatchUnits: Double?
  public var perDayUnits: Double?

  public init(
    perBatch: Double? = nil, perDay: Double? = nil, perBatchUnits: Double? = nil, perDayUnits: Double? = nil
  ) {
    self.perBatch = perBatch
    self.perDay = perDay
    self.perBatchUnits = perBatchUnits
    self.perDayUnits = perDayUnits
  }

  public var isSet: Bool { perBatch != nil || perDay != nil || perBatchUnits != nil || perDayUnits != nil }
  /// A daily limit is set: today's spend is worth working out.
  public var hasDailyLimit: Bool { perDay != nil || perDayUnits != nil }

  /// What a limit counts in.
  public enum Measure: Sendable, Hashable {
    case dollars, units

    /// `$1.28` or `16.0 units`.
    public func amount(_ value: Double) -> String {
      switch self {
      case .dollars: Budget.dollars(value)
      case .units: "\(Budget.units(value)) units"
      }
    }

    var suffix: String { self == .units ? "_units" : "" }
  }

  /// Why a submit would pass a limit, with the figures.
  public enum Refusal: Sendable, Hashable, CustomStringConvertible {
    case perBatch(cost: Double, limit: Double, measure: Measure = .dollars)
    case perDay(spent: Double, cost: Double, limit: Double, measure: Measure = .dollars)

    public var description: String {
      switch self {
      case .perBatch(let cost, let limit, let measure):
        "about \(measure.amount(cost)) is over budget.per_batch\(measure.suffix) (\(measure.amount(limit)))"
      case .perDay(let spent, let cost, let limit, let measure):
        "today's spend \(measure.amount(spent)) + about \(measure.amount(cost)) = \(measure.amount(spent + cost)) is over budget.per_day\(measure.suffix) (\(measure.amount(limit)))"
      }
    }
  }

  /// The first limit `cost` more would pass with `spentToday` already spent (dollars first); nil
  /// when it fits. Reaching a limit exactly is within it (float noise aside).
  public func check(cost: Spend, spentToday: Spend) -> Refusal? {
    let tolerance = 1e-9
    for (limit, measure) in [(perBatch, Measure.dollars), (perBatchUnits, .units)] {
      guard let limit else { continue }
      let amount = cost[measure]
      if amount > limit + tolerance { return .perBatch(cost: amount, limit: limit, measure: measure) }
    }
    for (limit, measure) in [(perDay, Measure.dollars), (perDayUnits, .units)] {
      guard let limit else { continue }
      let (spent, amount) = (spentToday[measure], cost[measure])
      if spent + amount > limit + tolerance {
        return .perDay(spent: spent, cost: amount, limit: limit, measure: measure)
      }
    }
    return nil
  }

  /// What a record counts for in the day's spend: billed units for a finished job (the estimate
  /// when fal sent no usable count), the estimate for one still submitting, queued, running or of
  /// unknown outcome (it may be billed), nothing for one that failed, was cancelled or was lost,
  /// and nothing for a job of the embedded offline twin, which bills nothing.
  public static func spend(of record: GenerationRecord, pricePerUnit: (MagiModel) -> Double) -> Spend {
    if record.ranOnEmbeddedTwin { return .zero }
    switch record.status {
    case .failed, .cancelled, .lost: return .zero
    case .completed, .submitting, .queued, .running, .unknown:
      let units = record.billing?.units ?? estimatedUnits(of: record)
      return Spend(dollars: units * pricePerUnit(record.model), units: units)
    }
  }

  /// What `requests` are estimated at: their billing units, and those at `pricePerUnit`.
  public static func estimate(_ requests: [MagiRequest], pricePerUnit: (MagiModel) -> Double) -> Spend {
    requests.reduce(Spend.zero) {
      $0 + Spend(dollars: $1.billingUnits * pricePerUnit($1.endpoint.model), units: $1.billingUnits)
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

  /// `16.0`: units to a tenth, as the form shows them.
  public static func units(_ value: Double) -> String {
    let tenths = Int((value * 10).rounded())
    return "\(tenths < 0 ? "-" : "")\(abs(tenths) / 10).\(abs(tenths) % 10)"
  }

  /// `$1.28`: cents, as the figures a user compares.
  public static func dollars(_ value: Double) -> String {
    let cents = Int((value * 100).rounded())
    let remainder = abs(cents % 100)
    return "\(cents < 0 ? "-" : "")$\(abs(cents) / 100).\(remainder < 10 ? "0" : "")\(remainder)"
  }
}

/// What jobs cost or were billed: dollars (at config.toml's prices) and fal's billing units.
public struct Spend: Sendable, Hashable {
  public var dollars: Double
  public var units: Double

  public init(dollars: Double, units: Double) {
    self.dollars = dollars
    self.units = units
  }

  public static let zero = Spend(dollars: 0, units: 0)

  public subscript(measure: Budget.Measure) -> Double { measure == .dollars ? dollars : units }

  public static func + (left: Spend, right: Spend) -> Spend {
    Spend(dollars: left.dollars + right.dollars, units: left.units + right.units)
  }
}
