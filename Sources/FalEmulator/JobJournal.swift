import FalProtocol
import Foundation

/// The queue's memory across restarts: one small JSON file per request in `jobs/`, replaced
/// atomically on every change, so a twin that stops (or is killed) comes back knowing every
/// request it took, where each one was, and how the finished ones ended.
///
/// Submits, starts and completions are fsynced (a request the twin answered must not vanish);
/// log lines are not, since losing the last few only means the resumed run writes them again.
struct JobJournal: Sendable {
  let directory: URL

  init(directory: URL) throws {
    self.directory = directory
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  }

  func save(_ job: Job, durable: Bool) {
    // A journal that cannot be written costs persistence, not the running request.
    try? AtomicFile.write(JSONCoding.encode(Entry(job)), to: url(of: job.id), durable: durable)
  }

  func remove(_ id: String) {
    try? FileManager.default.removeItem(at: url(of: id))
  }

  /// Every request recorded, oldest first; unreadable entries (a foreign file, a torn write from
  /// an older version) are skipped rather than stopping the twin.
  func load() -> [Job] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
      .compactMap { name in
        (try? Data(contentsOf: directory.appendingPathComponent(name)))
          .flatMap { JSONCoding.decode(Entry.self, from: $0) }?.job
      }
      .sorted { $0.submittedAt < $1.submittedAt }
  }

  /// Deletes leftovers of interrupted writes.
  func removeTemporaries() {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    for name in names where name.hasPrefix(".") && name.hasSuffix(".tmp") {
      try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
    }
  }

  private func url(of id: String) -> URL {
    directory.appendingPathComponent("\(id).json")
  }

  /// The stored form of a ``Job``.
  private struct Entry: Codable {
    var id: String
    var endpoint: String
    var body: Data
    var webhookURL: String?
    var submittedAt: Date
    var state: RequestState
    var logs: [LogEntry]
    var startedAt: Date?
    var completedAt: Date?
    var cancelRequested: Bool
    var seed: Int?
    var stepsBegan: Date?
    var output: Data?
    var billableUnits: Double?
    var failure: JobFailure?
    var priority: Job.QueuePriority?
    var startDeadline: Date?

    init(_ job: Job) {
      id = job.id
      endpoint = job.endpoint.full
      body = job.body
      webhookURL = job.webhookURL
      submittedAt = job.submittedAt
      state = job.state
      logs = job.logs
      startedAt = job.startedAt
      completedAt = job.completedAt
      cancelRequested = job.cancelRequested
      seed = job.seed
      stepsBegan = job.stepsBegan
      priority = job.priority
      startDeadline = job.startDeadline
      switch job.outcome {
      case .success(let output, let units)?:
        self.output = output
        billableUnits = units
      case .failure(let failure)?:
        self.failure = failure
      case nil:
        break
      }
    }

    /// Every recorded time within a few thousand years of 2001: the timeline is computed from
    /// them, and an absurd one (a damaged file) would trap converting a wait into a `Duration`.
    private var timesAreSane: Bool {
      [submittedAt, startedAt, completedAt, stepsBegan, startDeadline].allSatisfy { date in
        date.map { abs($0.timeIntervalSinceReferenceDate) < 1e11 } ?? true
      }
    }

    var job: Job? {
      guard timesAreSane, let endpoint = try? EndpointID(parsing: endpoint) else { return nil }
      var job = Job(id: id, endpoint: endpoint, body: body, webhookURL: webhookURL, submittedAt: submittedAt)
      job.state = state
      job.logs = logs
      job.startedAt = startedAt
      job.completedAt = completedAt
      job.cancelRequested = cancelRequested
      job.seed = seed
      job.stepsBegan = stepsBegan
      job.priority = priority ?? .normal
      job.startDeadline = startDeadline
      if let output {
        job.outcome = .success(output: output, billableUnits: billableUnits ?? 0)
      } else if let failure {
        job.outcome = .failure(failure)
      }
      // A finished request without its outcome cannot answer its result call; it is unreadable.
      if state == .completed, job.outcome == nil { return nil }
      return job
    }
  }
}
