import FalProtocol
import Foundation

/// fal's queue, simulated: a waiting line (`normal` before `low` priority, FIFO within each), a
/// fixed pool of workers, a minimum time every request spends queued, start deadlines, and
/// watchers for streams.
///
/// It is an actor over ``Job`` values so that status polls, stream events, cancels and runners see
/// one consistent order of changes. It knows nothing about HTTP; the router turns its values into
/// responses, which is what lets most behaviour be tested without sockets.
actor QueueModel {
  private let workers: Int
  /// How long every request stays IN_QUEUE at least, free workers or not: real fal reports a
  /// queue position first, and clients' queued handling must be exercised.
  private let minimumQueueTime: TimeInterval
  private let clock: EmulatorClock
  private let runner: any JobRunning
  private let onCompletion: (@Sendable (Job) async -> Void)?
  /// Where every change is recorded when the twin persists its queue; nil keeps it in memory only.
  private let journal: JobJournal?
  private var jobs: [String: Job] = [:]
  private var pending: [String] = []
  private var running: [String: (worker: Int, task: Task<Void, Never>)] = [:]
  private var watchers: [String: [Int: AsyncStream<Job>.Continuation]] = [:]
  private var nextWatcherID = 0
  private var isShutDown = false
  /// Restored requests are answered for, but not run, until ``release()``: their results must
  /// name the port the twin ends up on before any of them completes.
  private var isHeld = false
  /// How each cancelled job ends, when not fal's usual `request_cancelled` (a fault asked for it).
  private var cancelEndings: [String: JobFailure] = [:]
  /// The one timer that wakes the queue when a waiting request becomes eligible or overdue.
  private var wake: (at: Date, task: Task<Void, Never>)?

  init(
    workers: Int, minimumQueueTime: Duration = .zero, clock: EmulatorClock, runner: any JobRunning,
    onCompletion: (@Sendable (Job) async -> Void)? = nil, journal: JobJournal? = nil
  ) {
    self.journal = journal
    self.workers = max(1, workers)
    self.minimumQueueTime = max(0, minimumQueueTime.seconds)
    self.clock = clock
    self.runner = runner
    self.onCompletion = onCompletion
  }

  // MARK: - Queue API

  /// Enqueues a request and returns it as submit reports it: IN_QUEUE with its position at arrival.
  ///
  /// - Parameters:
  ///   - priority: `low` requests are placed behind every waiting `normal` one.
  ///   - startTimeout: seconds the request may wait for a runner before it ends with fal's 504.
  func submit(
    endpoint: EndpointID, body: Data, webhookURL: String?, priority: Job.QueuePriority = .normal,
    startTimeout: TimeInterval? = nil
  ) -> Job {
    let now = clock.now()
    var job = Job(
      id: RequestID.make(at: now), endpoint: endpoint, body: body, webhookURL: webhookURL, submittedAt: now)
    job.priority = priority
    job.startDeadline = startTimeout.map { now.addingTimeInterval($0) }
    let index =
      priority == .low ? pending.count : (pending.firstIndex { jobs[$0]?.priority == .low } ?? pending.count)
    job.queuePosition = index
    jobs[job.id] = job
    // The submit is answered only once the request is on disk: a twin killed after answering
    // still knows the id it gave out.
    journal?.save(job, durable: true)
    pending.insert(job.id, at: index)
    let submitted = job
    if index < pending.count - 1 { refreshPositions() }
    dispatch()
    return submitted
  }

  func job(_ id: String) -> Job? {
    jobs[id]
  }

  /// Requests this queue holds: every submit it accepted (each one a billed job on fal).
  var jobCount: Int { jobs.count }

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
      journal?.save(job, durable: true)
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
    wake?.task.cancel()
    wake = nil
    for (_, entry) in running { entry.task.cancel() }
    running.removeAll()
    for (_, streams) in watchers { for (_, continuation) in streams { continuation.finish() } }
    watchers.removeAll()
  }

  // MARK: - Runner API

  /// Adds a log line stamped `at` (a resumed run writes the steps that fell due while the twin was
  /// stopped with the times they fell due), or now.
  func appendLog(_ id: String, _ message: String, level: String = "INFO", at date: Date? = nil) {
    guard !isShutDown, var job = jobs[id], job.state != .completed else { return }
    job.logs.append(
      LogEntry(message: message, level: level, source: "USER", timestamp: Self.timestamp(date ?? clock.now())))
    jobs[id] = job
    journal?.save(job, durable: false)
    publish(job)
  }

  /// Fixes the seed a run uses, so a run resumed after a restart keeps it.
  func setSeed(_ id: String, _ seed: Int) {
    guard var job = jobs[id], job.state != .completed else { return }
    job.seed = seed
    jobs[id] = job
    journal?.save(job, durable: false)
  }

  /// Records when the steps began, so a run resumed after a restart keeps their timeline.
  func beginSteps(_ id: String, at date: Date) {
    guard var job = jobs[id], job.state != .completed else { return }
    job.stepsBegan = date
    jobs[id] = job
    journal?.save(job, durable: false)
  }

  func isCancelRequested(_ id: String) -> Bool {
    jobs[id]?.cancelRequested ?? true
  }

  /// How a job whose cancel was requested ends.
  func cancelEnding(_ id: String) -> JobFailure {
    cancelEndings[id] ?? .cancelled
  }

  /// Ends a running request; the first call wins and later calls are ignored.
  ///
  /// - Parameter date: when it completed, if earlier than now (a run whose time passed while the
  ///   twin was stopped completes when it would have).
  func finish(_ id: String, with outcome: JobOutcome, at date: Date? = nil) {
    // A run cut short by a stop is not over: a persisted twin resumes it on its next start.
    guard !isShutDown else { return }
    guard running.removeValue(forKey: id) != nil else {
      complete(id, with: outcome, at: date)
      return
    }
    complete(id, with: outcome, at: date)
    dispatch()
  }

  // MARK: - Restart

  /// Takes back the requests a persisted twin had when it stopped, as if it had kept running.
  ///
  /// Time is wall-clock time: requests that were running continue from where the clock says they
  /// are, and the waiting line is replayed over the stopped interval (each worker taking the next
  /// request once its previous one would have finished), so a request that would have started
  /// while the twin was down starts in the past and catches up at once.
  ///
  /// - Parameter plannedDuration: how long a request runs, once started.
  ///
  /// Nothing runs until ``release()``.
  func restore(_ restored: [Job], plannedDuration: (Job) -> TimeInterval) {
    isHeld = true
    let now = clock.now()
    for var job in restored {
      // A run stopped during its setup has no step timeline yet: it is taken to start with the run.
      if job.state == .inProgress, job.stepsBegan == nil { job.stepsBegan = job.startedAt }
      jobs[job.id] = job
    }
    let active = restored.filter { $0.state == .inProgress }.sorted { ($0.startedAt ?? now) < ($1.startedAt ?? now) }
    let waiting = restored.filter { $0.state == .inQueue }.sorted { $0.submittedAt < $1.submittedAt }
    var freeAt = [Date](repeating: .distantPast, count: workers)
    func earliestWorker() -> Int { freeAt.indices.min { freeAt[$0] < freeAt[$1] } ?? 0 }
    for job in active {
      let worker = earliestWorker()
      freeAt[worker] = max(freeAt[worker], job.startedAt ?? now).addingTimeInterval(plannedDuration(job))
    }
    var started: [String] = []
    for job in waiting {
      let worker = earliestWorker()
      let start = max(freeAt[worker], job.submittedAt)
      guard start < now else { break }
      var moved = job
      moved.state = .inProgress
      moved.startedAt = start
      moved.stepsBegan = start
      jobs[job.id] = moved
      freeAt[worker] = start.addingTimeInterval(plannedDuration(moved))
      started.append(job.id)
    }
    let startedSet = Set(started)
    pending = active.map(\.id) + started + waiting.map(\.id).filter { !startedSet.contains($0) }
    refreshPositions()
  }

  /// Rewrites the output of every finished request (URLs moved onto a new port).
  func rewriteOutputs(_ transform: (Data) -> Data) {
    for (id, job) in jobs {
      guard case .success(let output, let units)? = job.outcome else { continue }
      jobs[id]?.outcome = .success(output: transform(output), billableUnits: units)
    }
  }

  /// Starts running what ``restore(_:plannedDuration:)`` took back.
  func release() {
    isHeld = false
    dispatch()
  }

  // MARK: - Internals

  private func complete(_ id: String, with outcome: JobOutcome, at date: Date? = nil) {
    guard var job = jobs[id], job.state != .completed else { return }
    job.state = .completed
    job.queuePosition = nil
    job.completedAt = min(date ?? clock.now(), clock.now())
    job.outcome = outcome
    jobs[id] = job
    journal?.save(job, durable: true)
    publish(job)
    for (_, continuation) in watchers.removeValue(forKey: id) ?? [:] { continuation.finish() }
    if let onCompletion {
      let finished = job
      Task { await onCompletion(finished) }
    }
  }

  /// Ends waiting requests whose start deadline passed, then starts eligible ones (queued for the
  /// minimum time, or restored as running) in line order while workers are free.
  private func dispatch() {
    guard !isShutDown, !isHeld else { return }
    let now = clock.now()
    var started = false
    for id in pending {
      guard let job = jobs[id], job.state == .inQueue, let deadline = job.startDeadline, deadline <= now else {
        continue
      }
      pending.removeAll { $0 == id }
      complete(id, with: .failure(.startTimeout))
      started = true
    }
    while running.count < workers,
      let index = pending.firstIndex(where: { id in jobs[id].map { isEligible($0, at: now) } ?? true })
    {
      let id = pending.remove(at: index)
      guard var job = jobs[id], job.state != .completed else { continue }
      // A request restored as running keeps the start it had (or would have had).
      if job.state == .inQueue {
        job.state = .inProgress
        job.startedAt = clock.now()
      }
      job.queuePosition = nil
      jobs[id] = job
      journal?.save(job, durable: true)
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
    scheduleWake(after: now)
  }

  /// Whether a waiting request may start: restored runs at once, new ones after the minimum time.
  private func isEligible(_ job: Job, at now: Date) -> Bool {
    job.state != .inQueue || now.timeIntervalSince(job.submittedAt) >= minimumQueueTime
  }

  /// Arms the timer for the next moment a waiting request becomes eligible or overdue.
  private func scheduleWake(after now: Date) {
    var next: Date?
    for id in pending {
      guard let job = jobs[id], job.state == .inQueue else { continue }
      for moment in [job.submittedAt.addingTimeInterval(minimumQueueTime), job.startDeadline] {
        guard let moment, moment > now else { continue }
        if next.map({ moment < $0 }) ?? true { next = moment }
      }
    }
    guard let next else { return }
    if let wake, wake.at <= next { return }
    wake?.task.cancel()
    let clock = self.clock
    let task = Task { [weak self] in
      do { try await clock.sleep(.seconds(max(0, next.timeIntervalSince(clock.now())))) } catch { return }
      await self?.woke()
    }
    wake = (next, task)
  }

  private func woke() {
    wake = nil
    dispatch()
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
