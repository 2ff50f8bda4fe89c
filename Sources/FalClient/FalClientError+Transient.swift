extension FalClientError {
  /// True for failures that may pass by themselves (the network, a proxy, an overloaded or
  /// restarting server): worth trying again later, unlike a 404, a refused key or a bad request.
  public var isTransient: Bool {
    switch self {
    case .transport(let error):
      switch error.kind {
      case .cancelled, .file, .invalidRequest: return false
      default: return true
      }
    case .server(let status, _, _): return status >= 500 || status == 408 || status == 429
    case .malformedResponse: return true
    default: return false
    }
  }
}
