/// What a cancel call found, mapped by the router onto fal's codes (202 / 400 / 404).
enum CancelOutcome: Sendable, Hashable {
  case requested
  case alreadyCompleted
  case notFound
}
