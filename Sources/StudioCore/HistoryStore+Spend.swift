import FalProtocol
import HistoryModel
import HistoryStore

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

extension HistoryStore {
  /// Dollars and units spent since midnight UTC (``Budget/spend(of:pricePerUnit:)`` over the day's records).
  public func spentToday(
    now: Date = Date(), pricePerUnit: @Sendable (MagiModel) -> Double
  ) async throws(StudioError) -> Spend {
    let page = await query(HistoryQuery(createdFrom: Budget.dayStart(of: now), limit: Int.max))
    var total = Spend.zero
    for summary in page.summaries {
      let record: GenerationRecord?
      do { record = try await self.record(id: summary.id) } catch { throw .history(error) }
      if let record { total = total + Budget.spend(of: record, pricePerUnit: pricePerUnit) }
    }
    return total
  }
}
