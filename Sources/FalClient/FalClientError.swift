import FalProtocol

/// Everything that can go wrong talking to fal, in terms a user can act on.
///
/// Server 422s keep their per-field messages so the user sees which field is wrong and why. No case
/// ever carries request headers, and the server's words arrive redacted (``Redactor``), so the API
/// key cannot appear in an error.
public enum FalClientError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The request was refused before it was sent (client-side validation), or the server's app
  /// rejected it (422). Each entry names a field.
  case invalidInput([FieldError])
  /// 401: no key, or a key fal does not know. `hint` says where the key came from (from
  /// ``Credentials/Source/refusalHint``), so the user fixes the right place.
  case unauthorized(String, hint: String = "check the API key")
  /// 403: a locked account or exhausted balance.
  case forbidden(String)
  /// 404: an unknown request id or endpoint.
  case notFound(String)
  /// The server answered with an error status after all retries.
  case server(status: Int, detail: String, errorType: String?)
  /// 504 with `x-fal-request-timeout-type: user`: the request did not start within the start
  /// timeout it asked for (`X-Fal-Request-Timeout`). Never retried, as fal's own clients never do:
  /// the deadline it set has passed.
  case startTimeout(String)
  /// The job ended COMPLETED but failed (cancelled, runner error, …).
  case requestFailed(requestID: String, message: String, errorType: String?)
  /// The network failed after all retries.
  case transport(TransportError)
  /// A call that creates a job (a submit) failed in a way that leaves its outcome unknown: the
  /// request may have reached fal and only the reply was lost. It was not sent again; the detail
  /// says what failed.
  case outcomeUnknown(String)
  /// The server answered something that is not fal's protocol.
  case malformedResponse(String)
  /// A local file given as input could not be read or used.
  case file(String)
  /// The studio's own files could not be created or written (disk full, read-only, not a directory).
  case local(LocalFileError)
  case invalidConfiguration(String)
  case cancelled

  public var description: String {
    switch self {
    case .invalidInput(let errors):
      if errors.isEmpty { return "invalid input" }
      return "invalid input: " + errors.map(\.description).joined(separator: "; ")
    case .unauthorized(let detail, let hint): return "not authorised by fal (\(detail)); \(hint)"
    case .forbidden(let detail): return "forbidden by fal: \(detail)"
    case .notFound(let detail): return "not found: \(detail)"
    case .server(let status, let detail, let errorType):
      return "server error \(status)\(errorType.map { " (\($0))" } ?? ""): "
        + FalErrorType.message(type: errorType, serverText: detail)
    case .startTimeout(let detail):
      return "the request did not start within its start timeout (fal answered 504: \(detail)); nothing ran"
    case .requestFailed(let requestID, let message, let errorType):
      return "request \(requestID) failed\(errorType.map { " (\($0))" } ?? ""): "
        + FalErrorType.message(type: errorType, serverText: message)
    case .transport(let error): return "network error: \(error.message)"
    case .outcomeUnknown(let detail): return "the submit may have reached fal; its reply was lost (\(detail))"
    case .malformedResponse(let detail): return "unexpected answer from server: \(detail)"
    case .file(let detail): return detail
    case .local(let error): return error.message
    case .invalidConfiguration(let detail): return detail
    case .cancelled: return "cancelled"
    }
  }

  /// The per-field errors of a validation failure, empty otherwise.
  public var fieldErrors: [FieldError] {
    if case .invalidInput(let errors) = self { return errors }
    return []
  }
}
