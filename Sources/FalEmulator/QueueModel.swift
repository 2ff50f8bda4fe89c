import FalProtocol
import Foundation

/// fal's queue, simulated: FIFO waiting line, a fixed pool of workers, and watchers for streams.
///
/// It is an actor over ``Job`` values so that status polls, stream events, cancels and runners see
/// one consistent order of changes. It knows nothing about HTTP; the router turns its values into
/// responses, which is what lets most behaviour be tested without sockets.
actor QueueModel {
  private let workers: Int
  private let clock: EmulatorClock
  private let runner: any JobRunning
  private let onCompletion: (@Sendable (Job) async -> Void)?
  private var jobs: [String: Job] = [:]
  private var pending: [String] = []
  private var running: [String: (worker: Int, task: Task<Void, Never>)] = [:]
  private var watchers: [String: [Int: AsyncStream<Job>.Continuation]] = [:]
  private var nextWatcherID = 0
  private var isShutDown = false
  /// How each cancelled job ends, when not fal's usual `request_cancelled` (a fault asked for it).
  private var cancelEndings: [String: JobFailure] = [:]

  init(
    workers: Int, clock: EmulatorClock, runner: any JobRunning,
    onCompletion: (@Sendable (Job) async -> Void)? = nil
  ) {
    self.workers = max(1, workers)
    self.clock = clock
    self.runner = runner
    self.onCompletion = onCompletion
  }

  // MARK: - Queue API

  /// Enqueues a request and returns it as submit reports it: IN_QUEUE with its position at arrival.
  func submit(endpoint: EndpointID, body: Data, webhookURL: String?) -> Job {
    let now = clock.now()
    var job = Job(
      id: RequestID.make(at: now), endpoint: endpoint, body: body, webhookURL: webhookURL, submittedAt: now)
    job.queuePosition = pending.count
    jobs[job.id] = job
    pending.append(job.id)
    let submitted = job
    dispatch()
    return submitted
  }

  func job(_ id: String) -> Job? {
    jobs[id]
  }

  /// Ids and completion times of every finished request.
  func completionTimes() -> [String: Date] {
    jobs.compactMapValues(\.completedAt)
  }

  /// Cancels a queued request at once; asks a running one to stop at its next step.
  func cancel(_ id: String, ending failure: JobFailure = .cancelled) -> CancelOutcome {
    guard var job = jobs[id] else { return .notFound }
    if job.state != .completed, failure != .cancelled { cancelEndings[id] = failure }
    switch job.state {
    case .completed:
      return .alreadyCompleted
    case .inQueue:
      pending.removeAll { $0 == id }
      job.cancelRequested = true
      jobs[id] = job
      complete(id, with: .failure(failure))
      refreshPositions()
      return .requested
    case .inProgress:
      job.cancelRequested = true
      jobs[id] = job
      return .requested
    }
  }

  /// The job as it is now, and a stream of every later change until it completes.
  func watch(_ id: String) -> (current: Job, updates: AsyncStream<Job>)? {
    guard let job = jobs[id] else { return nil }
    let (stream, continuation) = AsyncStream.makeStream(of: Job.self)
    if job.state == .completed || isShutDown {
      continuation.finish()
      return (job, stream)
    }
    let watcherID = nextWatcherID
    nextWatcherID += 1
    watchers[id, default: [:]][watcherID] = continuation
    continuation.onTermination = { [weak self] _ in
      Task { await self?.removeWatcher(id, watcherID) }
    }
    return (job, stream)
  }

  /// Stops every runner and closes every stream; used when the emulator stops.
  func shutdown() {
    isShutDown = true
    for (_, entry) in running { entry.task.cancel() }
    running.removeAll()
    for (_, streams) in watchers { for (_, continuation) in streams { continuation.finish() } }
    watchers.removeAll()
  }

  // MARK: - Runner API

  func appendLog(_ id: String, _ message: String, level: String = "INFO") {
    guard var job = jobs[id], job.state != .completed else { return }
    job.logs.append(LogEntry(message: message, level: level, source: "USER", timestamp: Self.timestamp(clock.now())))
    jobs[id] = job
    publish(job)
  }

  func isCancelRequested(_ id: String) -> Bool {
    jobs[id]?.cancelRequested ?? true
  }

  /// How a job whose cancel was requested ends.
  func cancelEnding(_ id: String) -> JobFailure {
    cancelEndings[id] ?? .cancelled
  }

  /// Ends a running request; the first call wins and later calls are ignored.
  func finish(_ id: String, with outcome: JobOutcome) {
    guard let entry = running.removeValue(forKey: id) else {
      complete(id, with: outcome)
      return
    }
    _ = entry
    complete(id, with: outcome)
    dispatch()
  }

  // MARK: - Internals

  private func complete(_ id: String, with outcome: JobOutcome) {
    guard var job = jobs[id], job.state != .completed else { return }
    job.state = .completed
    job.queuePosition = nil
    job.completedAt = clock.now()
    job.outcome = outcome
    jobs[id] = job
    publish(job)
    for (_, continuation) in watchers.removeValue(forKey: id) ?? [:] { continuation.finish() }
    if let onCompletion {
      let finished = job
      Task { await onCompletion(finished) }
    }
  }

  /// Starts waiting requests while workers are free.
  private func dispatch() {
    guard !isShutDown else { return }
    var started = false
    while running.count < workers, !pending.isEmpty {
      let id = pending.removeFirst()
      guard var job = jobs[id], job.state == .inQueue else { continue }
      job.state = .inProgress
      job.queuePosition = nil
      job.startedAt = clock.now()
      jobs[id] = job
      publish(job)
      let worker = (0..<workers).first { slot in !running.values.contains { $0.worker == slot } } ?? 0
      let runner = self.runner
      let snapshot = job
      let task = Task { [weak self] in
        guard let self else { return }
        await runner.run(snapshot, worker: worker, on: self)
        // A runner that returned without finishing must not hold its worker forever.
        await self.finish(id, with: .failure(.internalError("runner returned without a result")))
      }
      running[id] = (worker, task)
      started = true
    }
    if started { refreshPositions() }
  }

  /// Re-numbers waiting requests and tells their watchers, so `queue_position` counts down.
  private func refreshPositions() {
    for (index, id) in pending.enumerated() {
      guard var job = jobs[id], job.queuePosition != index else { continue }
      job.queuePosition = index
      jobs[id] = job
      publish(job)
    }
  }

  private func publish(_ job: Job) {
    for (_, continuation) in watchers[job.id] ?? [:] { continuation.yield(job) }
  }

  private func removeWatcher(_ id: String, _ watcherID: Int) {
    watchers[id]?[watcherID] = nil
    if watchers[id]?.isEmpty == true { watchers[id] = nil }
  }

  /// ISO-8601 with microseconds and an explicit offset, like fal's log timestamps.
  static func timestamp(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    formatter.timeZone = TimeZone(identifier: "UTC")
    return formatter.string(from: date)
  }
}
