/// Per-route request counters, shared by the router (writer) and the public API (reader).
actor RequestMetrics {
  private var counts = RequestCounts()

  func record(_ route: RouteKind) {
    counts.increment(route)
  }

  func snapshot() -> RequestCounts {
    counts
  }

  func reset() {
    counts = RequestCounts()
  }
}
