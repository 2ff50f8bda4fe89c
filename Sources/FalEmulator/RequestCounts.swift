/// A snapshot of how many requests each route has seen, faulted ones included.
///
/// Tests use it to prove that a client retried (or did not), benchmarks to count polls.
public struct RequestCounts: Sendable, Hashable, CustomStringConvertible {
  public private(set) var counts: [RouteKind: Int]

  public init(counts: [RouteKind: Int] = [:]) {
    self.counts = counts
  }

  public subscript(route: RouteKind) -> Int {
    counts[route] ?? 0
  }

  public var total: Int { counts.values.reduce(0, +) }

  mutating func increment(_ route: RouteKind) {
    counts[route, default: 0] += 1
  }

  public var description: String {
    RouteKind.allCases.map { "\($0.rawValue)=\(self[$0])" }.joined(separator: " ")
  }
}
