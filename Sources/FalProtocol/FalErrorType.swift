/// fal's `error_type` values (on a failed request's status, in an error body, or as
/// `X-Fal-Error-Type`): what each means in words, and what kind of failure it is.
///
/// The server's own text is terse ("Invalid status code: 503") and the type is a code; a user needs
/// to know whether to fix the request, change the content, wait, or simply try again. Types this
/// table does not know keep the server's words and count as a failure on fal's side.
public enum FalErrorType {
  /// What a failure asks of the user; the CLI's exit code follows it.
  public enum Kind: String, Sendable, Hashable {
    /// The request itself is wrong (a field, an endpoint): fix it before sending it again.
    case invalidInput
    /// The model's safety checks refused the prompt or the image.
    case contentPolicy
    /// The job did not start within the start timeout the request asked for.
    case startTimeout
    /// fal's queue or runners failed: not the request's fault, worth trying again.
    case infrastructure
    /// The model app itself failed while running the request.
    case appError
    case cancelled
  }

  /// The user's start timeout, which fal reports as a 504 with `x-fal-request-timeout-type: user`
  /// rather than as a type of its own; the studio records it under this name.
  public static let startTimeout = "start_timeout"

  /// The kind of failure and its meaning for a known `error_type`; nil for a type fal has not
  /// documented (shown with the server's words only).
  public static func explain(_ type: String) -> (kind: Kind, meaning: String)? {
    switch type.lowercased() {
    case "validation_error": (.invalidInput, "the model refused the input")
    case "path_not_found": (.invalidInput, "the app has no such endpoint")
    case "content_policy_violation":
      (.contentPolicy, "refused by the model's content policy (change the prompt or the image)")
    case startTimeout: (.startTimeout, "the job did not start within its start timeout; nothing ran")
    case "request_timeout": (.infrastructure, "the request ran longer than fal allows")
    case "startup_timeout": (.infrastructure, "the runner took too long to start")
    case "runner_scheduling_failure": (.infrastructure, "fal found no runner to take the job")
    case "runner_connection_timeout": (.infrastructure, "fal could not reach the runner in time")
    case "runner_disconnected": (.infrastructure, "the runner was lost while running the job")
    case "runner_connection_refused": (.infrastructure, "the runner refused fal's connection")
    case "rate_limited": (.infrastructure, "too many requests at once (fal's concurrency limit)")
    case "internal_error": (.appError, "the model app failed while running the request")
    case "request_cancelled", "client_cancelled": (.cancelled, "the request was cancelled")
    default: nil
    }
  }

  /// The kind of a failure of `type` (nil: an undocumented type, taken as fal's side failing).
  public static func kind(of type: String?) -> Kind {
    type.flatMap { explain($0)?.kind } ?? .infrastructure
  }

  /// One line for a failed request: the meaning of its type, what to do when that is not obvious,
  /// then the server's own words (kept: they may say more than the type).
  public static func message(type: String?, serverText: String) -> String {
    guard let type, let (kind, meaning) = explain(type) else { return serverText }
    let advice = kind == .infrastructure ? " (on fal's side, not the request's: try again)" : ""
    let words = serverText.trimmingWhitespace()
    return words.isEmpty || words == meaning ? meaning + advice : "\(meaning)\(advice): \(words)"
  }
}
