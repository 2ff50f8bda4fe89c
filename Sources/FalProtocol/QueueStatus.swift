#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// The three states fal's queue reports. There is no FAILED or CANCELLED: a failed or cancelled
/// request ends `COMPLETED` with ``QueueStatus/error`` set.
public enum RequestState: String, Sendable, Codable, Hashable {
  case inQueue = "IN_QUEUE"
  case inProgress = "IN_PROGRESS"
  case completed = "COMPLETED"
}

/// One log line of a running request.
public struct LogEntry: Sendable, Codable, Hashable {
  public var message: String
  public var level: String
  public var source: String
  /// ISO-8601, kept as the string fal sent so that duplicates compare exactly.
  public var timestamp: String

  public init(message: String, level: String = "INFO", source: String = "USER", timestamp: String) {
    self.message = message
    self.level = level
    self.source = source
    self.timestamp = timestamp
  }

  enum CodingKeys: String, CodingKey { case message, level, source, timestamp }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    message = try container.decode(String.self, forKey: .message)
    level = try container.decodeIfPresent(String.self, forKey: .level) ?? "INFO"
    source = try container.decodeIfPresent(String.self, forKey: .source) ?? "USER"
    timestamp = try container.decodeIfPresent(String.self, forKey: .timestamp) ?? ""
  }
}

/// The status object returned by submit, status and every event of the status stream.
public struct QueueStatus: Sendable, Hashable {
  public var state: RequestState
  public var requestID: String
  public var responseURL: String?
  public var statusURL: String?
  public var cancelURL: String?
  /// Requests ahead of this one (0-based); present only while queued.
  public var queuePosition: Int?
  /// `nil` when logs were not asked for; always encoded (as `null`) like fal does.
  public var logs: [LogEntry]?
  /// Seconds of inference, on COMPLETED.
  public var inferenceTime: Double?
  /// Set on a COMPLETED request that failed (validation, cancellation, runner errors).
  public var error: String?
  public var errorType: String?

  public init(
    state: RequestState, requestID: String, responseURL: String? = nil, statusURL: String? = nil,
    cancelURL: String? = nil, queuePosition: Int? = nil, logs: [LogEntry]? = nil,
    inferenceTime: Double? = nil, error: String? = nil, errorType: String? = nil
  ) {
    self.state = state
    self.requestID = requestID
    self.responseURL = responseURL
    self.statusURL = statusURL
    self.cancelURL = cancelURL
    self.queuePosition = queuePosition
    self.logs = logs
    self.inferenceTime = inferenceTime
    self.error = error
    self.errorType = errorType
  }

  /// True once the request can no longer change.
  public var isFinal: Bool { state == .completed }
  /// True when the request completed with an error.
  public var isFailure: Bool { state == .completed && error != nil }
}

extension QueueStatus: Codable {
  enum CodingKeys: String, CodingKey {
    case status
    case requestID = "request_id"
    case responseURL = "response_url"
    case statusURL = "status_url"
    case cancelURL = "cancel_url"
    case logs, metrics
    case queuePosition = "queue_position"
    case error
    case errorType = "error_type"
  }

  enum MetricsKeys: String, CodingKey {
    case inferenceTime = "inference_time"
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    state = try container.decode(RequestState.self, forKey: .status)
    requestID = try container.decode(String.self, forKey: .requestID)
    responseURL = try container.decodeIfPresent(String.self, forKey: .responseURL)
    statusURL = try container.decodeIfPresent(String.self, forKey: .statusURL)
    cancelURL = try container.decodeIfPresent(String.self, forKey: .cancelURL)
    // A position is a count of requests ahead: a negative (or fractional, or absurd) one from a
    // server is no position at all, shown as "in line" rather than "position -3".
    queuePosition = (try? container.decodeIfPresent(Int.self, forKey: .queuePosition)).flatMap { $0 >= 0 ? $0 : nil }
    logs = try container.decodeIfPresent([LogEntry].self, forKey: .logs)
    if container.contains(.metrics), try !container.decodeNil(forKey: .metrics) {
      let metrics = try container.nestedContainer(keyedBy: MetricsKeys.self, forKey: .metrics)
      inferenceTime = try? metrics.decodeIfPresent(Double.self, forKey: .inferenceTime)
    }
    error = try? container.decodeIfPresent(String.self, forKey: .error)
    errorType = try? container.decodeIfPresent(String.self, forKey: .errorType)
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(state, forKey: .status)
    try container.encode(requestID, forKey: .requestID)
    try container.encodeIfPresent(responseURL, forKey: .responseURL)
    try container.encodeIfPresent(statusURL, forKey: .statusURL)
    try container.encodeIfPresent(cancelURL, forKey: .cancelURL)
    // fal always sends the key; Python's client requires it on IN_PROGRESS and COMPLETED.
    if let logs { try container.encode(logs, forKey: .logs) } else { try container.encodeNil(forKey: .logs) }
    var metrics = container.nestedContainer(keyedBy: MetricsKeys.self, forKey: .metrics)
    if state == .completed {
      if let inferenceTime {
        try metrics.encode(inferenceTime, forKey: .inferenceTime)
      } else {
        try metrics.encodeNil(forKey: .inferenceTime)
      }
    }
    if state == .inQueue { try container.encode(queuePosition ?? 0, forKey: .queuePosition) }
    if state == .completed, let error {
      try container.encode(error, forKey: .error)
      try container.encode(errorType ?? "unknown", forKey: .errorType)
    }
  }
}

/// fal's answer to a cancel call: `OK`, `CANCELLATION_REQUESTED`, `ALREADY_COMPLETED` or `NOT_FOUND`.
public struct CancelResponse: Sendable, Codable, Hashable {
  public var status: String
  public init(status: String) { self.status = status }
}
