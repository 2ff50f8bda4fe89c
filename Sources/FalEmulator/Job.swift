import FalProtocol
import Foundation

/// One request as the simulated queue sees it: a value that the queue actor copies out for status
/// answers and stream events, so nothing outside the actor can mutate it.
struct Job: Sendable {
  enum QueuePriority: String, Sendable, Codable {
    case normal, low
  }

  let id: String
  /// The id the request was submitted to (sub-path included).
  let endpoint: EndpointID
  /// The submit body exactly as sent: fal validates later, inside the app.
  let body: Data
  let webhookURL: String?
  let submittedAt: Date
  var state: RequestState = .inQueue
  /// Requests ahead of this one while queued (0-based).
  var queuePosition: Int?
  var logs: [LogEntry] = []
  var startedAt: Date?
  var completedAt: Date?
  var outcome: JobOutcome?
  var cancelRequested = false
  /// The seed the run uses, fixed once so that a run resumed after a restart renders the same clip.
  var seed: Int?
  /// When the first inference step began: steps fall due at `stepsBegan + n × stepDuration`.
  var stepsBegan: Date?
  /// `X-Fal-Queue-Priority`: `low` requests wait behind every `normal` one.
  var priority: QueuePriority = .normal
  /// `X-Fal-Request-Timeout`: a request not started by then ends with fal's user start timeout.
  var startDeadline: Date?

  init(id: String, endpoint: EndpointID, body: Data, webhookURL: String?, submittedAt: Date) {
    self.id = id
    self.endpoint = endpoint
    self.body = body
    self.webhookURL = webhookURL
    self.submittedAt = submittedAt
  }

  /// Seconds between the runner picking the request up and completion; nil if it never ran.
  var inferenceTime: Double? {
    guard let startedAt, let completedAt else { return nil }
    return completedAt.timeIntervalSince(startedAt)
  }

  var failure: JobFailure? {
    if case .failure(let failure) = outcome { return failure }
    return nil
  }

  /// The status object fal would return for this job, with URLs under `baseURL`.
  ///
  /// - Parameter logs: the log lines to include, or nil for `"logs": null` (logs not requested).
  func status(baseURL: String, logs: [LogEntry]?) -> QueueStatus {
    let requestURL = "\(baseURL)/\(endpoint.app)/requests/\(id)"
    return QueueStatus(
      state: state, requestID: id, responseURL: requestURL, statusURL: "\(requestURL)/status",
      cancelURL: "\(requestURL)/cancel", queuePosition: state == .inQueue ? (queuePosition ?? 0) : nil,
      logs: logs, inferenceTime: inferenceTime, error: failure?.message, errorType: failure?.errorType)
  }
}
