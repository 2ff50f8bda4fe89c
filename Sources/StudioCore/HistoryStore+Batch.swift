import HistoryStore

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

extension HistoryStore {
  /// The completed records of a batch, oldest first: what a compare of the batch shows.
  ///
  /// The batch id is not in the index, so records are decoded; a batch id is made before its first
  /// record (``GenerationRunner/batchCreated(_:)``), so only records created since then are read.
  public func completedRecords(ofBatch batch: String) async throws(HistoryStoreError) -> [GenerationRecord] {
    var query = HistoryQuery(statuses: [.completed], limit: Int.max)
    // A millisecond's rounding aside, nothing of the batch is older than its id.
    if let made = GenerationRunner.batchCreated(batch) { query.createdFrom = made.addingTimeInterval(-1) }
    var members: [GenerationRecord] = []
    for summary in await self.query(query).summaries.reversed() {
      if let record = try await record(id: summary.id), record.batchID == batch { members.append(record) }
    }
    return members
  }
}
