import FalProtocol

/// Why a submit did not happen: the server's (or the client's) 422 field errors, which the form
/// shows on the fields they name, or a plain message.
public enum SubmitFailure: Sendable, Hashable {
  case fields([FieldError])
  case message(String)
}
