import HistoryStore
import StudioCore
import StudioUI

/// The compare view's effects: loading its records, and discarding the videos of the results not
/// kept.
extension EffectRunner {
  /// The records to compare (the marked ones, or the selected record's batch's completed ones),
  /// or why there is nothing to compare.
  func loadComparison(_ request: CompareRequest) async {
    let history = jobs.history
    do {
      var records: [GenerationRecord] = []
      switch request {
      case .records(let ids):
        for id in ids {
          guard let record = try await history.record(id: id) else {
            inbox.post(.comparisonFailed("Cannot compare: \(id) is no longer in the history"))
            return
          }
          records.append(record)
        }
      case .batchOf(let id):
        guard let record = try await history.record(id: id) else {
          inbox.post(.comparisonFailed("Cannot compare: \(id) is no longer in the history"))
          return
        }
        guard let batch = record.batchID else {
          inbox.post(
            .comparisonFailed(
              "\(id) is not part of a batch: mark 2 to 9 history items with Space, then C compares them"))
          return
        }
        records = try await history.completedRecords(ofBatch: batch)
        guard RecordComparison.allowed.contains(records.count) else {
          inbox.post(
            .comparisonFailed(
              "Batch \(batch) has \(records.count) completed job\(records.count == 1 ? "" : "s"); compare takes 2 to 9 (mark some with Space)"
            ))
          return
        }
      }
      if Task.isCancelled { return }
      inbox.post(.comparisonLoaded(records))
    } catch {
      inbox.post(.comparisonFailed("Cannot compare: \(error)"))
    }
  }

  /// Deletes each record's video (``HistoryStore/discardVideo(id:)``), reports each record as it
  /// now is, then one notice with what came of it.
  func discardVideos(_ ids: [String]) async {
    let history = jobs.history
    var removed = 0
    var problems: [String] = []
    for id in ids {
      do {
        let deletion = try await history.discardVideo(id: id, videosDirectory: jobs.videosDirectory)
        switch deletion.video {
        case .removed, .missing, .sharedWith: removed += 1
        case .kept: break
        case .refusedOutsideDataDirectory, .failed: problems.append("\(id): \(deletion.video)")
        }
        if let record = try await history.record(id: id) { inbox.post(.recordUpdated(record)) }
      } catch {
        problems.append("\(id): \(error)")
      }
    }
    let files = "\(removed) video\(removed == 1 ? "" : "s")"
    inbox.post(
      .notice(
        problems.isEmpty
          ? "Discarded \(files); the records stay" : "Discarded \(files); " + problems.joined(separator: "; ")))
  }
}
