import FalProtocol

/// Why a submit did not happen: the server's (or the client's) 422 field errors, which the form
/// shows on the fields they name, or a plain message.
public enum SubmitFailure: Sendable, Hashable {
  case fields([FieldError])
  case message(String)
  /// The submit went out but its reply was lost: the job may exist (and be billed). It is in the
  /// queue as `unknown` and was not sent again; this is not a failure and is not called one.
  case outcomeUnknown(recordID: String)
}
