import FalProtocol
import Foundation
import HistoryModel
import HistoryStore
import StudioCore
import Testing

/// `[budget]`: its arithmetic (what passes a limit, what a record counts for), reading it from
/// config.toml, and today's spend from the history.
@Suite struct BudgetTests {
  /// Dollars at the distilled model's $0.08 a unit.
  func usd(_ dollars: Double) -> Spend { Spend(dollars: dollars, units: dollars / 0.08) }

  @Test func aLimitIsPassedOnlyByMoreThanIt() {
    #expect(Budget().check(cost: usd(1_000), spentToday: usd(1_000)) == nil)
    let batch = Budget(perBatch: 1.0)
    #expect(batch.check(cost: usd(1.0), spentToday: usd(50)) == nil)
    #expect(batch.check(cost: usd(0.32 * 3 + 0.04), spentToday: .zero) == nil)  // float noise at the limit
    #expect(batch.check(cost: usd(1.01), spentToday: .zero) == .perBatch(cost: 1.01, limit: 1.0))
    let day = Budget(perDay: 2.0)
    #expect(day.check(cost: usd(0.5), spentToday: usd(1.5)) == nil)
    #expect(day.check(cost: usd(0.5), spentToday: usd(1.6)) == .perDay(spent: 1.6, cost: 0.5, limit: 2.0))
    // The batch limit is named first when both are passed.
    #expect(Budget(perBatch: 1, perDay: 1).check(cost: usd(2), spentToday: .zero) == .perBatch(cost: 2, limit: 1))
    #expect(Budget(perDay: 0).check(cost: usd(0.01), spentToday: .zero) != nil)
  }

  /// Units limits hold whatever the prices: 16 units is 16 units at $0.08 or at $0.50 a unit.
  @Test func unitLimitsCountUnitsAndEveryLimitSetApplies() {
    let units = Budget(perBatchUnits: 16, perDayUnits: 40)
    #expect(units.check(cost: Spend(dollars: 8, units: 16), spentToday: Spend(dollars: 12, units: 24)) == nil)
    #expect(
      units.check(cost: Spend(dollars: 0.01, units: 16.5), spentToday: .zero)
        == .perBatch(cost: 16.5, limit: 16, measure: .units))
    #expect(
      units.check(cost: Spend(dollars: 0.01, units: 16), spentToday: Spend(dollars: 0.01, units: 30))
        == .perDay(spent: 30, cost: 16, limit: 40, measure: .units))
    // Dollars and units together: each holds, dollars named first.
    let both = Budget(perDay: 1, perDayUnits: 100)
    #expect(both.check(cost: Spend(dollars: 2, units: 4), spentToday: .zero) == .perDay(spent: 0, cost: 2, limit: 1))
    #expect(
      both.check(cost: Spend(dollars: 0.5, units: 120), spentToday: .zero)
        == .perDay(spent: 0, cost: 120, limit: 100, measure: .units))
    #expect(
      Budget.Refusal.perDay(spent: 30, cost: 16, limit: 40, measure: .units).description
        == "today's spend 30.0 units + about 16.0 units = 46.0 units is over budget.per_day_units (40.0 units)")
  }

  @Test func refusalsGiveTheFiguresInCents() {
    #expect(
      Budget.Refusal.perDay(spent: 1.6, cost: 0.5, limit: 2).description
        == "today's spend $1.60 + about $0.50 = $2.10 is over budget.per_day ($2.00)")
    #expect(
      Budget.Refusal.perBatch(cost: 1.28, limit: 1).description == "about $1.28 is over budget.per_batch ($1.00)")
  }

  func record(_ status: GenerationStatus, billed units: Double?, model: MagiModel = .distilled) -> GenerationRecord {
    var record = GenerationRecord(
      id: "r-\(status.rawValue)", status: status, mode: .textToVideo, model: model,
      input: ["prompt": "p", "num_frames": 192])
    record.billing = units.map { .init(units: $0) }
    return record
  }

  @Test func aRecordCountsItsBilledUnitsItsEstimateWhileRunningAndNothingWhenItFailed() {
    let price: (MagiModel) -> Double = { $0 == .full ? 0.5 : 0.1 }
    #expect(abs(Budget.spend(of: record(.completed, billed: 3), pricePerUnit: price).dollars - 0.3) < 1e-12)
    #expect(Budget.spend(of: record(.completed, billed: 3, model: .full), pricePerUnit: price).dollars == 1.5)
    // A finished job whose units fal did not say: the estimate from its input (192 frames = 8 units).
    #expect(abs(Budget.spend(of: record(.completed, billed: nil), pricePerUnit: price).dollars - 0.8) < 1e-12)
    for status in [GenerationStatus.submitting, .queued, .running, .unknown] {
      #expect(abs(Budget.spend(of: record(status, billed: 8), pricePerUnit: price).dollars - 0.8) < 1e-12, "\(status)")
    }
    for status in [GenerationStatus.failed, .cancelled, .lost] {
      #expect(Budget.spend(of: record(status, billed: 8), pricePerUnit: price) == .zero, "\(status)")
    }
    // The offline twin bills nothing, whatever units its records carry.
    var offline = record(.completed, billed: 3)
    offline.server = "embedded:http://127.0.0.1:4000"
    #expect(Budget.spend(of: offline, pricePerUnit: price) == .zero)
    offline.server = "http://127.0.0.1:4000"
    #expect(Budget.spend(of: offline, pricePerUnit: price).units == 3, "a standalone emulator stands for a paid server")
  }

  @Test func todayStartsAtMidnightUTC() {
    let now = Date(timeIntervalSince1970: 1_765_000_000)  // 2025-12-06T05:46:40Z
    #expect(Budget.dayStart(of: now) == Date(timeIntervalSince1970: 1_764_979_200))
  }

  @Test func theBudgetIsReadFromConfigAndABadValueIsNoLimitNamedByLine() {
    let parsed = StudioConfig.parse(
      "[budget]\nper_batch = 2.5\nper_day = 10\nper_batch_units = 40\nper_day_units = 200\n", path: "c.toml")
    #expect(parsed.errors.isEmpty)
    #expect(parsed.config.budget == Budget(perBatch: 2.5, perDay: 10, perBatchUnits: 40, perDayUnits: 200))
    #expect(StudioConfig.parse("budget.per_day = 3\n", path: "c.toml").config.budget == Budget(perDay: 3))
    let bad = StudioConfig.parse("[budget]\nper_batch = -1\nper_day = \"lots\"\nper_week = 3\n", path: "c.toml")
    #expect(bad.config.budget == Budget())
    #expect(bad.errors.map(\.description).count == 3)
    #expect(bad.errors.first?.description.contains("c.toml:2: 'budget.per_batch' must be zero or more") == true)
    #expect(bad.errors.dropFirst().first?.description.contains("found a string") == true)
  }

  @Test func todaysSpendAddsTheRecordsSinceMidnight() async throws {
    let directory = NSTemporaryDirectory() + "magi-budget-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let history = try await HistoryStore(directory: directory)
    let now = Date(timeIntervalSince1970: 1_765_000_000)
    var yesterday = record(.completed, billed: 100)
    yesterday.id = "yesterday"
    yesterday.createdAt = now.addingTimeInterval(-6 * 3600)
    var done = record(.completed, billed: 4)
    done.id = "done"
    done.createdAt = now.addingTimeInterval(-3600)
    var running = record(.running, billed: 2)
    running.id = "running"
    running.createdAt = now.addingTimeInterval(-60)
    var failed = record(.failed, billed: 4)
    failed.id = "failed"
    failed.createdAt = now.addingTimeInterval(-30)
    try await history.save(contentsOf: [yesterday, done, running, failed])
    let spent = try await history.spentToday(now: now, pricePerUnit: { _ in 0.08 })
    #expect(abs(spent.dollars - 0.48) < 1e-12)
    #expect(spent.units == 6)
  }
}
