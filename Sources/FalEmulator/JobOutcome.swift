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

  /// The app crashed (for example the renderer failed): fal's SDK answers 500.
  static func internalError(_ reason: String) -> JobFailure {
    JobFailure(
      message: "Invalid status code: 500", errorType: "internal_error", httpStatus: 500,
      body: JSONCoding.encode(ErrorBody(detail: "Internal Server Error")),
      sendsErrorTypeHeader: false)
  }
}
