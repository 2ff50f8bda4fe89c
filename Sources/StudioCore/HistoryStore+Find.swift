import HistoryStore

extension HistoryStore {
  /// The record a user names: its full id, a unique prefix of it, or its fal request id.
  ///
  /// Ids are long, so people type a prefix, and scripts hold fal's request id from `generate`.
  public func find(_ reference: String) async throws(StudioError) -> GenerationRecord {
    do {
      if let record = try await record(id: reference) { return record }
    } catch { throw .history(error) }
    var matches = await ids { summary in summary.id.hasPrefix(reference) }
    if matches.isEmpty, reference.count >= 8 {
      // A request id is not in the index: read records until it turns up.
      for id in await ids({ _ in true }) {
        if let record = try? await record(id: id), record.requestID == reference {
          matches = [id]
          break
        }
      }
    }
    guard matches.count == 1, let match = matches.first else {
      throw matches.isEmpty ? .unknownRecord(reference) : .ambiguousRecord(reference, matches: matches.count)
    }
    do {
      guard let record = try await record(id: match) else { throw StudioError.unknownRecord(reference) }
      return record
    } catch let error as HistoryStoreError {
      throw .history(error)
    } catch {
      throw .unknownRecord(reference)
    }
  }

  private func ids(_ include: (HistorySummary) -> Bool) async -> [String] {
    var result: [String] = []
    var offset = 0
    while true {
      let page = await query(HistoryQuery(offset: offset, limit: 5_000))
      result += page.summaries.filter(include).map(\.id)
      if !page.hasMore { return result }
      offset += page.summaries.count
    }
  }
}
