/// The kinds of request the emulator tells apart, for fault scripts and request counters.
public enum RouteKind: String, Sendable, CaseIterable, Hashable, Codable {
  case submit
  case status
  case stream
  case result
  case cancel
  /// Storage initiate/token calls, upload PUTs, multipart parts and completes, CDN uploads.
  case storage
  /// GET/HEAD of a stored file (inputs and generated videos).
  case file
  /// Anything that matched no route (answered 404). Counted, never faulted.
  case other
}
