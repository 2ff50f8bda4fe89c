import FalProtocol
import Foundation

/// How a finished request answers its result call.
enum JobOutcome: Sendable, Hashable {
  /// The model output (`VideoOutput` for MAGI) and its billing units.
  case success(output: Data, billableUnits: Double)
  case failure(JobFailure)
}

/// A request that ended COMPLETED with an error: what status shows, and what the result returns.
///
/// fal reports failures on the status object (`error`, `error_type`) and replays the app's HTTP
/// answer on the result call; both halves live here so they cannot disagree.
struct JobFailure: Sendable, Hashable, Codable {
  /// The status object's `error`.
  var message: String
  /// The status object's `error_type`.
  var errorType: String
  /// HTTP status of the result call.
  var httpStatus: Int
  /// JSON body of the result call.
  var body: Data
  /// Whether the result carries `X-Fal-Error-Type` (infrastructure-style errors do, app errors don't).
  var sendsErrorTypeHeader: Bool
  /// `x-fal-request-timeout-type` on the result (`user`: the request's own start timeout passed).
  var requestTimeoutType: String? = nil

  /// Invalid input: the app's Pydantic-style 422 `{"detail":[FieldError…]}`.
  static func validation(_ errors: [FieldError]) -> JobFailure {
    JobFailure(
      message: "Invalid status code: 422", errorType: "validation_error", httpStatus: 422,
      body: JSONCoding.encode(ValidationErrorBody(detail: errors)), sendsErrorTypeHeader: false)
  }

  /// An endpoint the app does not serve: fal's SDK answers `404 {"detail":"Path /x not found"}`.
  static func pathNotFound(_ path: String) -> JobFailure {
    JobFailure(
      message: "Invalid status code: 404", errorType: "path_not_found", httpStatus: 404,
      body: JSONCoding.encode(ErrorBody(detail: "Path /\(path) not found")),
      sendsErrorTypeHeader: false)
  }

  /// A request cancelled by its owner before it finished.
  static let cancelled = JobFailure(
    message: "Request cancelled", errorType: "request_cancelled", httpStatus: 400,
    body: JSONCoding.encode(ErrorBody(detail: "Request cancelled", errorType: "request_cancelled")),
    sendsErrorTypeHeader: true)

  /// `X-Fal-Request-Timeout` ran out before a runner took the request: fal's 504 with
  /// `x-fal-request-timeout-type: user`, which no official client retries.
  static let startTimeout = JobFailure(
    message: "Request timed out before it started", errorType: "request_timeout", httpStatus: 504,
    body: JSONCoding.encode(
      ErrorBody(detail: "Request timed out before it started", errorType: "request_timeout")),
    sendsErrorTypeHeader: true, requestTimeoutType: "user")

  /// A cancelled request that ends with another `error_type` and result status than fal's usual.
  static func cancelled(errorType: String, status: Int) -> JobFailure {
    JobFailure(
      message: "Request cancelled", errorType: errorType, httpStatus: status,
      body: JSONCoding.encode(ErrorBody(detail: "Request cancelled", errorType: errorType)),
      sendsErrorTypeHeader: true)
  }

  /// The end fal gives a request for `errorType` (the fault ``Fault/jobEndsWith(errorType:)``):
  /// infrastructure types with their status and `{"detail","error_type"}` body, the content policy
  /// as the app's 422 item, and `start_timeout` as fal's 504 marked `x-fal-request-timeout-type: user`.
  static func ending(errorType: String) -> JobFailure {
    switch errorType {
    case "content_policy_violation":
      let item = FieldError(
        loc: ["body", "prompt"], msg: "The content was flagged by the content checker",
        type: "content_policy_violation")
      return JobFailure(
        message: "Invalid status code: 422", errorType: errorType, httpStatus: 422,
        body: JSONCoding.encode(ValidationErrorBody(detail: [item])), sendsErrorTypeHeader: false)
    case "start_timeout":
      let detail = "Request timed out before it started"
      return JobFailure(
        message: detail, errorType: "request_timeout", httpStatus: 504,
        body: JSONCoding.encode(ErrorBody(detail: detail, errorType: "request_timeout")), sendsErrorTypeHeader: true,
        requestTimeoutType: "user")
    default:
      let (status, detail): (Int, String) =
        switch errorType {
        case "request_timeout": (504, "Request timed out")
        case "startup_timeout": (504, "Runner startup timed out")
        case "runner_scheduling_failure": (503, "Runner scheduling failure")
        case "runner_connection_timeout": (503, "Runner connection timed out")
        case "runner_disconnected": (503, "Runner disconnected")
        case "runner_connection_refused": (503, "Runner connection refused")
        case "internal_error": (500, "Internal Server Error")
        default: (500, "Request failed: \(errorType)")
        }
      return JobFailure(
        message: detail, errorType: errorType, httpStatus: status,
        body: JSONCoding.encode(ErrorBody(detail: detail, errorType: errorType)), sendsErrorTypeHeader: true)
    }
  }

  /// The app crashed (for example the renderer failed): fal's SDK answers 500.
  static func internalError(_ reason: String) -> JobFailure {
    JobFailure(
      message: "Invalid status code: 500", errorType: "internal_error", httpStatus: 500,
      body: JSONCoding.encode(ErrorBody(detail: "Internal Server Error")),
      sendsErrorTypeHeader: false)
  }
}
