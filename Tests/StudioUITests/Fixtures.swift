import FalProtocol
import HistoryModel

@testable import StudioUI

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Fixed clock, fixed ids: every fixture renders the same on every machine and every day.
enum Fixtures {
  /// 2026-08-01 12:00:00 UTC.
  static let now = Date(timeIntervalSince1970: 1_785_585_600)

  static func at(_ secondsBeforeNow: Double) -> Date { now.addingTimeInterval(-secondsBeforeNow) }

  static func record(
    _ id: String, _ status: GenerationStatus, prompt: String = "a red fox running through snow",
    mode: MagiMode = .textToVideo, createdSecondsAgo: Double = 300, runningSecondsAgo: Double? = nil,
    finishedSecondsAgo: Double? = nil, position: Int? = nil, steps: (Int, Int)? = nil, seed: Int? = nil,
    url: String? = nil, localPath: String? = nil, failure: GenerationRecord.Failure? = nil, parentID: String? = nil
  ) -> GenerationRecord {
    var input: [String: JSONValue] = [
      "prompt": .string(prompt), "num_frames": 96, "resolution": "720p",
      "num_inference_steps": 16, "aspect_ratio": "auto", "enable_safety_checker": true,
    ]
    if let field = mode.sourceField { input[field] = "https://example.com/source.png" }
    var transitions = [GenerationRecord.StatusChange(status: .queued, at: at(createdSecondsAgo))]
    if let runningSecondsAgo { transitions.append(.init(status: .running, at: at(runningSecondsAgo))) }
    if let finishedSecondsAgo, status.isFinal { transitions.append(.init(status: status, at: at(finishedSecondsAgo))) }
    var record = GenerationRecord(
      id: id, createdAt: at(createdSecondsAgo), updatedAt: at(finishedSecondsAgo ?? 0), status: status, mode: mode,
      input: .object(input), requestID: "req-\(id)", server: "https://queue.fal.run", transitions: transitions,
      progress: .init(queuePosition: position, stepsDone: steps?.0, stepsTotal: steps?.1), parentID: parentID,
      failure: failure)
    if let url { record.result = .init(videoURL: url, contentType: "video/mp4", seed: seed) }
    if let localPath { record.localFile = .init(path: localPath) }
    if status == .completed { record.billing = .init(units: 4, pricePerUnit: 0.08) }
    return record
  }

  static func summary(_ record: GenerationRecord) -> HistorySummary {
    HistorySummary(
      id: record.id, createdAt: record.createdAt, updatedAt: record.updatedAt, status: record.status,
      mode: record.mode, model: record.model, prompt: record.prompt, isSaved: true)
  }

  static func summaries(_ count: Int, from offset: Int = 0) -> [HistorySummary] {
    (offset..<(offset + count)).map { (index: Int) -> HistorySummary in
      let created: Date = at(Double(600 + index * 3600))
      let status: GenerationStatus = index % 7 == 3 ? .failed : .completed
      let mode: MagiMode = index % 3 == 0 ? .imageToVideo : .textToVideo
      return HistorySummary(
        id: "h\(index)", createdAt: created, updatedAt: created, status: status, mode: mode,
        model: .distilled, prompt: "history item \(index): a lighthouse at dusk, waves", isSaved: true)
    }
  }

  static func log(_ message: String, second: Int, level: String = "INFO") -> LogEntry {
    let padded: String = second < 10 ? "0\(second)" : "\(second)"
    return LogEntry(message: message, level: level, timestamp: "2026-08-01T11:58:\(padded).000Z")
  }

  /// An empty studio at `width`×`height` whose first (empty) history page has arrived.
  static func studio(width: Int = 80, height: Int = 24) -> AppState {
    var state = AppState(width: width, height: height, now: now)
    _ = StudioReducer.update(&state, .launched)
    _ = StudioReducer.update(
      &state,
      .historyPage(HistoryPage(summaries: [], totalMatches: 0, offset: 0, limit: 50), for: HistoryQuery(limit: 50)))
    return state
  }

  /// A studio with history loaded: `total` records, the first `loaded` of them in the window.
  static func withHistory(total: Int, loaded: Int = 50, width: Int = 80, height: Int = 24) -> AppState {
    var state = AppState(width: width, height: height, now: now)
    _ = StudioReducer.update(&state, .launched)
    let page = HistoryPage(summaries: summaries(min(loaded, total)), totalMatches: total, offset: 0, limit: 50)
    _ = StudioReducer.update(&state, .historyPage(page, for: HistoryQuery(limit: 50)))
    state.history.loading = nil
    return state
  }

  /// A queue with one job in every state.
  static func busyQueue(_ state: inout AppState) {
    let jobs = [
      record(
        "j-lost", .lost, prompt: "lost on restart", createdSecondsAgo: 3000, finishedSecondsAgo: 2900,
        failure: .init(type: "lost", message: "server no longer knows it")),
      record("j-cancel", .cancelled, prompt: "cancelled take", createdSecondsAgo: 2500, finishedSecondsAgo: 2400),
      record(
        "j-fail", .failed, prompt: "a bad one", createdSecondsAgo: 2000, runningSecondsAgo: 1950,
        finishedSecondsAgo: 1900, failure: .init(type: "internal_server_error", message: "GPU fell over")),
      record(
        "j-done", .completed, prompt: "lighthouse at dusk", createdSecondsAgo: 1200, runningSecondsAgo: 1100,
        finishedSecondsAgo: 960, seed: 1234, url: "https://v3.fal.media/files/fox.mp4", localPath: "/videos/fox.mp4"),
      record("j-queued", .queued, prompt: "waiting in line", createdSecondsAgo: 45, position: 2),
      record(
        "j-run", .running, prompt: "a red fox running through snow", createdSecondsAgo: 200,
        runningSecondsAgo: 125, steps: (6, 16)),
    ]
    for job in jobs { _ = StudioReducer.update(&state, .jobUpdated(job)) }
    state.queue.selectedID = "j-run"
    state.queue.scrollTop = 0
    _ = StudioReducer.update(
      &state,
      .jobLogs(
        "j-run",
        [
          log("Loading weights", second: 5),
          log("Step 5/16", second: 20),
          log("Step 6/16", second: 31),
        ]))
  }
}
