import FlyingFox
import Foundation

/// The body of `GET /_emulator/metrics`: requests per route kind, jobs accepted (each submit the
/// queue took, its reply delivered or not: what fal would bill) and, per finished
/// request, when the queue marked it COMPLETED (seconds since 1970, the clock `time.time()` reads).
struct MetricsReport: Encodable {
  var requests: [String: Int]
  var jobs: Int
  var completedAt: [String: Double]

  enum CodingKeys: String, CodingKey {
    case requests, jobs
    case completedAt = "completed_at"
  }
}

extension Router {
  /// Read-only counters for benchmarks; the request itself is not counted.
  func metricsReport() async -> HTTPResponse {
    let counts = await metrics.snapshot()
    var requests: [String: Int] = [:]
    for kind in RouteKind.allCases { requests[kind.rawValue] = counts[kind] }
    let completed = await queue.completionTimes().mapValues(\.timeIntervalSince1970)
    return Responses.json(200, MetricsReport(requests: requests, jobs: await queue.jobCount, completedAt: completed))
  }
}
