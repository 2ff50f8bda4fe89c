import Digest
import FalClient
import FalProtocol
import HistoryStore
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif
#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Runs generations from submit to a verified video on disk, with the history as their journal.
///
/// Every step is written to the history before it is reported: the record exists (durably) before
/// `submit` returns, so a crash, a closed laptop or a lost connection never loses a paid-for job.
/// On the next start ``resumeUnfinished()`` picks each one up where it stopped.
public actor GenerationRunner {
  public nonisolated let client: FalQueueClient
  public nonisolated let history: HistoryStore
  public nonisolated let videosDirectory: String
  /// Names the queue in records (see ``GenerationRecord/server``); a record from another server is
  /// not followed here, since this one would not know its id.
  public nonisolated let server: String
  private let onEvent: @Sendable (JobEvent) -> Void
  private let pricePerUnit: @Sendable (MagiModel) -> Double
  /// Progress is saved at most this often while running; state changes are saved at once.
  private let progressSaveInterval: Duration
  /// Jobs this runner asked fal to cancel, and when: a follow that loaded its record before the
  /// cancel still ends it cancelled.
  private var cancelsSent: [String: Date] = [:]
  /// How a follow treats silence and failures: the CLI gives up after a few tries, the studio never.
  private let followOptions: FollowOptions
  /// Each record's whole log, one file per record; nil keeps only the record's own short tail.
  public nonisolated let logs: JobLogFiles?
  /// Local files uploaded before, by content, so the same file is not sent twice; nil uploads always.
  public nonisolated let uploadCache: UploadCache?
  /// Recent uploads, under way or done, by the file's SHA-256: the jobs of a batch that share a
  /// local image start together, and all but the first take its upload's URL instead of sending
  /// the same bytes again. A finished one is kept for ``recentUploadWindow``: a job that looked in
  /// the upload cache before the first had written it there still finds it here.
  private var recentUploads: [String: RecentUpload] = [:]
  private struct RecentUpload {
    var upload: Task<Result<String, FalClientError>, Never>
    var started: ContinuousClock.Instant
  }
  /// How long a finished upload's URL is reused from memory (well inside fal's URL lifetime; later
  /// jobs go through the upload cache, which checks an old URL first).
  static let recentUploadWindow = Duration.seconds(600)

  public init(
    client: FalQueueClient, history: HistoryStore, videosDirectory: String, server: String? = nil,
    pricePerUnit: @escaping @Sendable (MagiModel) -> Double = { $0.defaultPricePerUnit },
    progressSaveInterval: Duration = .seconds(2), followOptions: FollowOptions = FollowOptions(),
    logsDirectory: String? = nil, uploadCache: UploadCache? = nil,
    onEvent: @escaping @Sendable (JobEvent) -> Void = { _ in }
  ) {
    self.followOptions = followOptions
    self.uploadCache = uploadCache
    self.logs = logsDirectory.map(JobLogFiles.init(directory:))
    self.client = client
    self.history = history
    self.videosDirectory = videosDirectory
    self.server = server ?? client.endpoints.queue
    self.pricePerUnit = pricePerUnit
    self.progressSaveInterval = progressSaveInterval
    self.onEvent = onEvent
  }

  // MARK: - Submit

  /// Validates, uploads the source if it is a local file, records, submits, records again.
  ///
  /// - Returns: the record, with its request id, once it is in the history.
  /// - Parameter copyDirectory: where the finished video is also placed (`--download DIR`); kept in
  ///   the record, so a job finished by a later `resume` still gets its copy.
  /// - Parameter batchID: the batch the job belongs to (``newBatchID()``), saved in its record.
  public func submit(
    _ request: MagiRequest, source: MediaInput? = nil, parentID: String? = nil,
    options: FalQueueClient.SubmitOptions = .init(), copyDirectory: String? = nil, batchID: String? = nil
  ) async throws(StudioError) -> GenerationRecord {
    let (record, endpoint, lock) = try await prepare(
      request, source: source, parentID: parentID, options: options, copyDirectory: copyDirectory,
      batchID: batchID)
    defer { withExtendedLifetime(lock) {} }
    return try await sendRemovingLock(record, endpoint: endpoint, options: options, lock: lock)
  }

  /// Runs a request on fal's synchronous endpoint (`generate --sync`; the studio never does): the
  /// same record and upload as a submit, then one call that answers with the result, and the
  /// video downloaded. No queue, no logs, no request id until the answer.
  ///
  /// A run whose reply is lost may have made (and billed) a video: the record ends `unknown`, as a
  /// lost submit does, and nothing is sent again unasked.
  public func runSync(
    _ request: MagiRequest, source: MediaInput? = nil, parentID: String? = nil, startTimeout: Double? = nil,
    copyDirectory: String? = nil
  ) async throws(StudioError) -> GenerationRecord {
    let (start, endpoint, lock) = try await prepare(
      request, source: source, parentID: parentID, options: .init(startTimeout: startTimeout),
      copyDirectory: copyDirectory)
    defer { withExtendedLifetime(lock) {} }
    var record = start
    let result: FalResult
    do {
      result = try await client.run(endpoint, input: record.input, startTimeout: startTimeout)
    } catch {
      lock?.remove()
      if case .outcomeUnknown = error {
        record.failure = .init(type: "outcome_unknown", message: error.description)
        record.transition(to: .unknown)
        await persist(record)
        throw .outcomeUnknown(recordID: record.id, detail: error.description)
      }
      record.failure = Self.failure(ofRun: error, startTimeout: startTimeout)
      record.transition(to: .failed)
      await persist(record)
      throw .client(error)
    }
    record.requestID = result.requestID.isEmpty ? nil : result.requestID
    guard let video = result.video else {
      record.failure = .init(type: "unexpected_output", message: "the output has no video")
      record.transition(to: .failed)
      await persist(record)
      lock?.remove()
      return record
    }
    record.result = .init(video)
    if let units = result.billableUnits {
      record.billing = .init(units: units, pricePerUnit: pricePerUnit(record.model))
    } else if result.unusableBillableUnits != nil {
      record.billing = nil
    }
    record.transition(to: .completed)
    await persist(record)
    record = try await fetchResultAndDownload(record, endpoint: endpoint, requestID: record.requestID ?? "")
    if record.localFile != nil { lock?.remove() }
    return record
  }

  /// How a synchronous run that failed is recorded: fal's error type, explained.
  static func failure(ofRun error: FalClientError, startTimeout: Double?) -> GenerationRecord.Failure {
    switch error {
    case .startTimeout(let detail):
      return .init(type: FalErrorType.startTimeout, message: startTimeoutMessage(startTimeout, detail: detail))
    case .invalidInput(let fields):
      let type =
        fields.contains { $0.type == "content_policy_violation" } ? "content_policy_violation" : "validation_error"
      return .init(
        type: type,
        message: FalErrorType.message(type: type, serverText: fields.map(\.description).joined(separator: "; ")))
    case .server(_, let detail, let type):
      return .init(type: type ?? "server_error", message: FalErrorType.message(type: type, serverText: detail))
    default:
      return .init(type: "run_failed", message: error.description)
    }
  }

  /// Everything a submit and a sync run share before the call: validation, the storage checks,
  /// the record (saved before anything leaves), the source's upload, the record again with its
  /// URL. The lock is held while the record says `submitting`.
  private func prepare(
    _ request: MagiRequest, source: MediaInput?, parentID: String?, options: FalQueueClient.SubmitOptions,
    copyDirectory: String?, batchID: String? = nil
  ) async throws(StudioError) -> (GenerationRecord, EndpointID, RecordLock?) {
    var request = request
    if let source { request.sourceURL = source.validationStandIn }
    // Nothing is uploaded or paid for until every field is right.
    if case .failure(let failure) = request.validated() { throw .client(.invalidInput(failure.errors)) }
    // Nor until its record and its video can be written.
    do { try StoragePreflight.check(historyFile: history.path, videosDirectory: videosDirectory) } catch {
      throw .client(error)
    }
    // A URL goes as it is; a local file is uploaded (or inlined) once the record exists, and the
    // record holds no source URL until then. Without a source, the request's own URL stands (a
    // re-run sends the URL its record kept).
    var sourceURL: String?
    if let source {
      if case .url(let url) = source { sourceURL = url }
      request.sourceURL = sourceURL
    }
    var record = GenerationRecord(
      id: Self.newRecordID(), status: .submitting, mode: request.endpoint.mode, model: request.endpoint.model,
      input: request.body, source: source.map { .init(given: $0.given, uploadedURL: sourceURL) }, server: server,
      parentID: parentID, copyDirectory: copyDirectory)
    record.billing = estimate(request)
    record.webhook = options.webhookURL
    record.priority = options.priority
    record.startTimeout = options.startTimeout
    record.batchID = batchID
    // Held while the record says `submitting`: a resume in another process (or a studio starting)
    // would otherwise take a submit still waiting for its reply for one whose reply was lost, and
    // call it `unknown`, inviting the user to send it again.
    let lock = try await RecordLock.acquire(recordID: record.id, dataDirectory: history.directory, ifBusy: .skip)
    // The record is in the history before anything leaves, the upload included.
    try await persistBeforeSubmit(record)
    if let source, sourceURL == nil {
      let uploaded: String
      do {
        uploaded = try await resolve(source, recordID: record.id)
      } catch {
        record.failure = .init(type: "upload_failed", message: "\(error.description); nothing was submitted")
        record.transition(to: .failed)
        await persist(record)
        lock?.remove()
        throw .client(error)
      }
      request.sourceURL = uploaded
      record.input = request.body
      record.source?.uploadedURL = uploaded
      // Saved before the submit: a record whose source has its URL is one whose submit may have gone.
      try await persistBeforeSubmit(record)
    }
    return (record, request.endpoint.id, lock)
  }

  /// Sends a record whose submit outcome is unknown once more, because the user asked (they
  /// checked that fal has no such job). The same record goes back to `submitting`, keeping its
  /// history of states, and on to `queued` with the new request id.
  public func resubmit(recordID: String) async throws(StudioError) -> GenerationRecord {
    // Two resends at once (two `resume --retry-unknown-submit`) would be two jobs: one holds the
    // record, and the state is read again under the lock.
    let id = try await load(recordID).id
    let lock = try await RecordLock.acquire(recordID: id, dataDirectory: history.directory, ifBusy: .skip)
    defer { withExtendedLifetime(lock) {} }
    var record = try await load(id)
    guard record.status == .unknown else {
      throw .notResumable(
        "\(record.id) is \(record.status.rawValue), not a submit of unknown outcome; nothing was sent")
    }
    let endpoint: EndpointID
    do { endpoint = try EndpointID(parsing: record.endpointID) } catch {
      throw .notResumable("record \(record.id) has an invalid endpoint id: \(error.description)")
    }
    // The same checks as a first submit: a resent job must have somewhere to be recorded.
    do { try StoragePreflight.check(historyFile: history.path, videosDirectory: videosDirectory) } catch {
      throw .client(error)
    }
    record.failure = nil
    record.server = server
    record.transition(to: .submitting)
    try await persistBeforeSubmit(record)
    // Sent as the first time: the same webhook, priority and start timeout.
    let options = FalQueueClient.SubmitOptions(
      webhookURL: record.webhook, priority: record.priority, startTimeout: record.startTimeout)
    return try await sendRemovingLock(record, endpoint: endpoint, options: options, lock: lock)
  }

  /// ``send(_:endpoint:options:)``, and the lock file removed when the record ends there (failed or
  /// unknown): no follow will pick it up to remove it.
  private func sendRemovingLock(
    _ record: GenerationRecord, endpoint: EndpointID, options: FalQueueClient.SubmitOptions, lock: RecordLock?
  ) async throws(StudioError) -> GenerationRecord {
    do {
      return try await send(record, endpoint: endpoint, options: options)
    } catch {
      lock?.remove()
      throw error
    }
  }

  /// The one submit call of a record already saved as `submitting`, and what its answer means for
  /// the record: queued with its request id; failed when fal surely did not take it; `unknown` when
  /// it may have (the reply was lost), which is never resent here.
  private func send(_ start: GenerationRecord, endpoint: EndpointID, options: FalQueueClient.SubmitOptions)
    async throws(StudioError) -> GenerationRecord
  {
    var record = start
    let receipt: QueueStatus
    let recordID = record.id
    let turnedAway = Mutex(false)
    do {
      receipt = try await client.submit(endpoint, input: record.input, options: options) { [onEvent] trouble in
        turnedAway.withLock { $0 = true }
        onEvent(.connection(recordID: recordID, trouble))
      }
      if turnedAway.withLock({ $0 }) { onEvent(.connection(recordID: recordID, nil)) }
    } catch {
      // No "answers again" here: the record ends failed or unknown, which clears what the studio shows.
      if case .outcomeUnknown = error {
        record.failure = .init(type: "outcome_unknown", message: error.description)
        record.transition(to: .unknown)
        await persist(record)
        throw .outcomeUnknown(recordID: record.id, detail: error.description)
      }
      record.failure = .init(type: "submit_failed", message: error.description)
      record.transition(to: .failed)
      await persist(record)
      throw .client(error)
    }
    record.requestID = receipt.requestID
    record.progress.queuePosition = receipt.queuePosition
    record.transition(to: receipt.state == .inProgress ? .running : .queued)
    await persist(record)
    return record
  }

  // MARK: - Follow

  /// Follows a recorded job to its end: status stream, result, download. Safe to call again on a
  /// record that is already done (it only completes what is missing, such as the download).
  ///
  /// One process at a time follows a record (see ``RecordLock``): when another one is at it, this
  /// waits for it (and then finds the job done), or with `ifBusy: .skip` throws ``StudioError/busy(_:)``.
  @discardableResult
  public func follow(recordID: String, ifBusy: RecordLock.Busy = .wait) async throws(StudioError) -> GenerationRecord {
    let id = try await load(recordID).id
    let lock = try await RecordLock.acquire(recordID: id, dataDirectory: history.directory, ifBusy: ifBusy)
    let record = try await followHeld(recordID: id)
    if record.status.isFinal, record.status != .completed || record.localFile != nil { lock?.remove() }
    return record
  }

  private func followHeld(recordID: String) async throws(StudioError) -> GenerationRecord {
    var record = try await load(recordID)
    guard let requestID = record.requestID else {
      if record.status == .submitting, let source = record.source, source.uploadedURL == nil {
        // Stopped while its local source was being uploaded: the submit had not started.
        record.failure = .init(
          type: "upload_failed",
          message: "the studio stopped while uploading \(source.given); nothing was submitted")
        record.transition(to: .failed)
        await persist(record)
      } else if record.status == .submitting {
        // It may have reached fal before the stop: a possibly billed job, never resent unasked.
        record.failure = .init(
          type: "outcome_unknown",
          message:
            "the studio stopped while submitting; the submit may have reached fal, but no request id was recorded")
        record.transition(to: .unknown)
        await persist(record)
      }
      return record
    }
    if let recordedServer = record.server, !knows(record) {
      if recordedServer.hasPrefix(Self.embeddedPrefix), !record.status.isFinal {
        throw .notResumable(
          "\(record.id) runs on the offline twin; it continues when the studio runs offline again (no FAL_KEY, or --offline)"
        )
      }
      if !record.status.isFinal || record.localFile == nil {
        throw .notResumable("\(record.id) was sent to \(recordedServer), but this studio is connected to \(server)")
      }
    }
    let endpoint: EndpointID
    do { endpoint = try EndpointID(parsing: record.endpointID) } catch {
      throw .notResumable("record \(record.id) has an invalid endpoint id: \(error.description)")
    }
    if !record.status.isFinal {
      record = try await followQueue(record, endpoint: endpoint, requestID: requestID)
    }
    if record.status == .completed {
      record = try await fetchResultAndDownload(record, endpoint: endpoint, requestID: requestID)
    }
    return record
  }

  private func followQueue(_ start: GenerationRecord, endpoint: EndpointID, requestID: String)
    async throws(StudioError) -> GenerationRecord
  {
    var record = start
    var lastSave = ContinuousClock.now
    var options = followOptions
    let recordID = record.id
    options.onConnection = { [onEvent] trouble in onEvent(.connection(recordID: recordID, trouble)) }
    options.onNotice = { [onEvent] text in onEvent(.warning(recordID: recordID, text)) }
    // The lines seen before (the whole log on disk, else the record's tail), so that a stream that
    // starts from the first line again repeats none of them. The file can be ahead of the record,
    // whose progress is saved only every few seconds.
    var fileTail: [LogEntry]?
    if let logs { fileTail = await IOThread.run { logs.tail(of: recordID) } }
    let known = fileTail ?? record.logs
    record.logs = Array(known.suffix(GenerationRecord.logLimit))
    // The record as it was, before any new line: a viewer that meets the job here (a resumed one)
    // starts from its known log, and the lines below come after it exactly once.
    onEvent(.updated(record))
    do {
      for try await update in client.follow(endpoint, requestID: requestID, knownLog: JobLog(known), options: options) {
        let before = record.status
        if update.status.isFinal { record = await withStoredCancel(record) }
        if let logs, !update.newLogs.isEmpty {
          let lines = update.newLogs
          await IOThread.run { logs.append(lines, to: recordID) }
        }
        apply(update, to: &record)
        // The state change is reported (and saved) before the lines that came with it, so a reader
        // sees "running" above the first step.
        if update.status.isFinal {
          if !update.newLogs.isEmpty { onEvent(.logs(recordID: record.id, update.newLogs)) }
          break
        }
        if record.status != before || ContinuousClock.now - lastSave >= progressSaveInterval {
          // Read just before the save that would otherwise write over it.
          record = await withStoredCancel(record)
          await persist(record)
          lastSave = .now
        } else {
          onEvent(.updated(record))
        }
        if !update.newLogs.isEmpty { onEvent(.logs(recordID: record.id, update.newLogs)) }
      }
    } catch let error as FalClientError {
      if case .notFound = error {
        record.failure = .init(type: "lost", message: "the server no longer knows request \(requestID)")
        record.transition(to: .lost)
        await persist(record)
        return record
      }
      await persist(record)
      throw .client(error)
    } catch {
      throw .client(.malformedResponse("\(error)"))
    }
    if !record.status.isFinal {
      throw .client(.malformedResponse("the status stream ended before request \(requestID) completed"))
    }
    if record.status == .failed {
      // The app's 422 and other errors surface on the result call with the server's own words; a
      // start timeout only there (a 504 marked `x-fal-request-timeout-type: user`).
      do {
        _ = try await client.result(endpoint, requestID: requestID)
      } catch {
        switch error {
        case .invalidInput(let fields):
          let type =
            fields.contains { $0.type == "content_policy_violation" } ? "content_policy_violation" : "validation_error"
          record.failure = .init(
            type: type,
            message: FalErrorType.message(type: type, serverText: fields.map(\.description).joined(separator: "; ")))
        case .startTimeout(let detail):
          record.failure = .init(
            type: FalErrorType.startTimeout, message: Self.startTimeoutMessage(record.startTimeout, detail: detail))
        default: break
        }
      }
    }
    await persist(record)
    return record
  }

  /// The record with the cancel another process (a `cancel ID` while this follows) noted in the
  /// stored record: known only from there, and lost if this follower's next save, made from its
  /// own copy, wrote over it.
  private func withStoredCancel(_ start: GenerationRecord) async -> GenerationRecord {
    var record = start
    guard record.cancelRequestedAt == nil, cancelsSent[record.id] == nil,
      let stored = try? await history.record(id: record.id)
    else { return record }
    record.cancelRequestedAt = stored.cancelRequestedAt
    return record
  }

  private func apply(_ update: JobUpdate, to record: inout GenerationRecord) {
    let status = update.status
    if record.cancelRequestedAt == nil { record.cancelRequestedAt = cancelsSent[record.id] }
    record.appendLogs(update.newLogs)
    for entry in update.newLogs {
      if let step = StepProgress.parse(entry.message) {
        record.progress.stepsDone = step.done
        record.progress.stepsTotal = step.total
      }
    }
    switch status.state {
    case .inQueue:
      record.progress.queuePosition = status.queuePosition
      record.transition(to: .queued)
    case .inProgress:
      record.progress.queuePosition = nil
      record.transition(to: .running)
    case .completed:
      record.progress.queuePosition = nil
      if let error = status.error {
        record.failure = Self.failure(errorType: status.errorType, error: error)
        record.transition(to: endsCancelled(record, errorType: status.errorType) ? .cancelled : .failed)
      } else {
        record.transition(to: .completed)
      }
    }
  }

  /// How a job that ended with an error is recorded: fal's `error_type` and its words, explained.
  /// (A start timeout is told apart only by the result call's `x-fal-request-timeout-type: user`,
  /// which ``followQueue`` asks for: a `request_timeout` alone does not say whose timeout it was.)
  static func failure(errorType: String?, error: String) -> GenerationRecord.Failure {
    .init(type: errorType ?? "error", message: FalErrorType.message(type: errorType, serverText: error))
  }

  static func startTimeoutMessage(_ seconds: Double?, detail: String) -> String {
    let limit = seconds.map { " of \($0 == $0.rounded() && $0 < 1e9 ? String(Int($0)) : String($0)) s" } ?? ""
    return "the job did not start within its start timeout\(limit); nothing ran (fal: \(detail))"
  }

  /// Whether a job that ended with an error ended by a cancel: fal's `request_cancelled` or any
  /// other cancel type (`client_cancelled`, answered 499), or any end at all once a cancel was sent.
  private func endsCancelled(_ record: GenerationRecord, errorType: String?) -> Bool {
    record.cancelRequestedAt != nil || cancelsSent[record.id] != nil
      || errorType?.lowercased().contains("cancel") == true
  }

  private func fetchResultAndDownload(_ start: GenerationRecord, endpoint: EndpointID, requestID: String)
    async throws(StudioError) -> GenerationRecord
  {
    var record = start
    if record.result == nil {
      let result: FalResult
      do { result = try await client.result(endpoint, requestID: requestID) } catch {
        if case .notFound = error {
          record.failure = .init(type: "result_expired", message: "fal no longer holds the result of \(requestID)")
          await persist(record)
          return record
        }
        throw .client(error)
      }
      guard let video = result.video else {
        record.failure = .init(type: "unexpected_output", message: "the output has no video")
        await persist(record)
        return record
      }
      record.result = .init(video)
      if let units = result.billableUnits {
        record.billing = .init(units: units, pricePerUnit: pricePerUnit(record.model))
      } else if let sent = result.unusableBillableUnits {
        // The estimate made at submit is not what fal billed, and fal's own figure is no number.
        record.billing = nil
        onEvent(
          .warning(
            recordID: record.id,
            "fal sent an unusable billing header (x-fal-billable-units: \"\(sent.prefix(40))\"); the units are unknown")
        )
      }
      await persist(record)
    }
    if let local = record.localFile, access(local.path, R_OK) == 0 { return record }
    guard let output = record.result else { return record }
    let path =
      videosDirectory + "/" + VideoNaming.fileName(prompt: record.prompt, id: record.id, date: record.createdAt)
    // Hashed as it streams (on the transport's thread), after the part an earlier attempt left,
    // hashed first on a thread of its own; the actor never reads the video.
    let digest = DownloadDigest()
    let size: Int64
    do {
      try StoragePreflight.makeDirectory(videosDirectory)
      await digest.absorbPrefix(of: path + ".part")
      let recordID = record.id
      size = try await client.download(
        output.videoURL, to: path, expectedSize: output.fileSize.map(Int64.init),
        progress: { [onEvent] progress in onEvent(.downloadProgress(recordID: recordID, progress)) },
        observer: digest.observer)
    } catch {
      await persist(record)
      throw .client(error)
    }
    // The copy is placed before the video is recorded as done, so a crash in between leaves a
    // download for `resume` to finish, copy included.
    var copyFailure: FalClientError?
    if let directory = record.copyDirectory {
      do throws(FalClientError) {
        try StoragePreflight.makeDirectory(directory)
        try await IOThread.run { () throws(FalClientError) in _ = try VideoCopy.place(path, into: directory) }
      } catch { copyFailure = error }
    }
    // A video found complete on disk (a crash between its move and this record) was not streamed.
    var sha256 = digest.hexDigest(ofSize: size)
    if sha256 == nil { sha256 = await DownloadDigest.hexDigest(ofFile: path) }
    record.localFile = .init(path: path, sha256: sha256)
    await persist(record)
    if let copyFailure { throw .client(copyFailure) }
    return record
  }

  // MARK: - Resume, cancel

  /// Picks up every job that was queued, running, or finished but not downloaded when the studio
  /// last stopped, and follows them all concurrently.
  /// - Returns: the records as they ended, and the errors of those that could not be followed.
  public func resumeUnfinished() async -> [(recordID: String, result: Result<GenerationRecord, StudioError>)] {
    let candidates = await unfinishedRecordIDs()
    // Each child returns a plain value: a typed `do throws` inside a task-group closure was seen to
    // corrupt the group in release builds (Swift 6.3.1: "pure virtual method called" in
    // completeFuture), so the typed catch lives in an ordinary method instead.
    return await withTaskGroup(of: ResumeOutcome.self) { group in
      for id in candidates {
        group.addTask { await self.outcome(of: id) }
      }
      var results: [(recordID: String, result: Result<GenerationRecord, StudioError>)] = []
      for await outcome in group { results.append((outcome.recordID, outcome.result)) }
      return results
    }
  }

  /// The records ``resumeUnfinished()`` would follow: queued, running, or finished but not downloaded.
  public func unfinishedRecordIDs() async -> [String] {
    // Both come from the index: a start with 100,000 finished records decodes none of them.
    let unfinished = await history.query(HistoryQuery(statuses: [.submitting, .queued, .running], limit: Int.max))
    let undownloaded = await history.query(HistoryQuery(awaitingVideo: true, limit: Int.max))
    var seen = Set<String>()
    return (unfinished.summaries + undownloaded.summaries).map(\.id).filter { seen.insert($0).inserted }
  }

  private struct ResumeOutcome: Sendable {
    var recordID: String
    var result: Result<GenerationRecord, StudioError>
  }

  private func outcome(of recordID: String) async -> ResumeOutcome {
    do {
      return ResumeOutcome(recordID: recordID, result: .success(try await follow(recordID: recordID, ifBusy: .skip)))
    } catch {
      return ResumeOutcome(recordID: recordID, result: .failure(error))
    }
  }

  /// Asks fal to cancel the job and records that it did; then watches the job for up to `settle`
  /// so that its end (cancelled) is in the history before this returns, when fal ends it that fast.
  /// A job that has already ended is not cancelled: that is an error, in words.
  public func cancel(recordID: String, settle: Duration = .seconds(5)) async throws(StudioError)
    -> FalQueueClient.CancelOutcome
  {
    var record = try await load(recordID)
    guard !record.status.isFinal else { throw .alreadyFinished(recordID: record.id, status: record.status) }
    guard let requestID = record.requestID else { throw .notResumable("\(recordID) has no request id to cancel") }
    let endpoint: EndpointID
    do { endpoint = try EndpointID(parsing: record.endpointID) } catch {
      throw .notResumable("record \(record.id) has an invalid endpoint id: \(error.description)")
    }
    // Noted (and saved) before the call goes out, so that an end a follower sees at once already
    // counts, this process's or another's.
    cancelsSent[record.id] = GenerationRecord.now()
    await persist(record)
    let outcome: FalQueueClient.CancelOutcome
    do { outcome = try await client.cancel(endpoint, requestID: requestID) } catch {
      await withdrawCancel(record.id)
      throw .client(error)
    }
    if outcome != .requested { await withdrawCancel(record.id) }
    let deadline = ContinuousClock.now + settle
    while true {
      record = try await refresh(recordID: record.id)
      if record.status.isFinal || ContinuousClock.now >= deadline { break }
      do { try await client.sleep(client.pollInterval) } catch { break }
    }
    if outcome == .alreadyCompleted, record.status.isFinal {
      throw .alreadyFinished(recordID: record.id, status: record.status)
    }
    return outcome
  }

  /// Takes back the note of a cancel that was not sent after all (or found the job ended), on the
  /// record as it is now: a follower may have saved the job's end meanwhile.
  private func withdrawCancel(_ recordID: String) async {
    cancelsSent[recordID] = nil
    guard var latest = try? await load(recordID), latest.cancelRequestedAt != nil else { return }
    latest.cancelRequestedAt = nil
    await persist(latest)
  }

  /// Asks the server where a recorded job stands and records the answer: what a user is shown as
  /// the state of a job comes from the server when it can be asked. A record with nothing to ask
  /// about (no request id, sent to another server, or already ended) is returned as it is.
  public func refresh(recordID: String) async throws(StudioError) -> GenerationRecord {
    var record = try await load(recordID)
    guard let requestID = record.requestID, !record.status.isFinal, knows(record) else { return record }
    let endpoint: EndpointID
    do { endpoint = try EndpointID(parsing: record.endpointID) } catch {
      throw .notResumable("record \(record.id) has an invalid endpoint id: \(error.description)")
    }
    let status: QueueStatus
    do { status = try await client.status(endpoint, requestID: requestID, logs: true) } catch {
      if case .notFound = error {
        record.failure = .init(type: "lost", message: "the server no longer knows request \(requestID)")
        record.transition(to: .lost)
        await persist(record)
        return record
      }
      throw .client(error)
    }
    var log = JobLog(record.logs)
    apply(JobUpdate(status: status, newLogs: log.merge(status.logs ?? []), channel: .polling), to: &record)
    await persist(record)
    return record
  }

  /// Finds a record by its full id, a unique prefix of it, or its fal request id.
  public func resolve(id: String) async throws(StudioError) -> GenerationRecord {
    try await load(id)
  }

  // MARK: - Helpers

  /// Whether this runner's server knows the record's request id: the server it was sent to,
  /// or, for a record sent to the offline twin, any embedded twin (the twin keeps its queue across
  /// restarts, maybe on another port).
  private func knows(_ record: GenerationRecord) -> Bool {
    guard let recorded = record.server, recorded != server else { return true }
    return recorded.hasPrefix(Self.embeddedPrefix) && server.hasPrefix(Self.embeddedPrefix)
  }

  private func load(_ id: String) async throws(StudioError) -> GenerationRecord {
    try await history.find(id)
  }

  /// Saves and reports; a history that cannot be written is a warning, not a stop: the store keeps
  /// the record in memory and writes it with the next successful save.
  private func persist(_ start: GenerationRecord) async {
    var record = start
    if record.cancelRequestedAt == nil { record.cancelRequestedAt = cancelsSent[record.id] }
    do {
      try await history.save(record)
    } catch {
      onEvent(.warning(recordID: record.id, error.description))
    }
    onEvent(.updated(record))
  }

  /// The first save of a job must succeed: a job fal bills for but no record names is lost.
  private func persistBeforeSubmit(_ record: GenerationRecord) async throws(StudioError) {
    do {
      try await history.save(record)
    } catch {
      throw .client(
        .local(
          LocalFileError(
            error.code.map(LocalFileError.kind(of:)) ?? .io, path: error.path,
            message: "\(error.description); nothing was submitted")))
    }
    onEvent(.updated(record))
  }

  private func resolve(_ source: MediaInput, recordID: String) async throws(FalClientError) -> String {
    switch source {
    case .url(let url):
      return url
    case .file(let path, let contentType, true):
      return try FalQueueClient.dataURI(file: path, contentType: contentType)
    case .file(let path, let contentType, false):
      let known = await earlierUpload(of: path)
      if let url = known.url { return url }
      let sha256 = known.content?.sha256
      let now = ContinuousClock.now
      recentUploads = recentUploads.filter { now - $0.value.started < Self.recentUploadWindow }
      if let sha256, let recent = recentUploads[sha256] {
        client.trace?("not uploading \(path) again: the same bytes were sent for another job just now")
        switch await recent.upload.value {
        case .success(let url): return url
        // That job's upload failed or was cancelled with it: this job tries on its own.
        case .failure: break
        }
      }
      let (client, onEvent) = (self.client, self.onEvent)
      let upload = Task { () -> Result<String, FalClientError> in
        do throws(FalClientError) {
          return .success(
            try await client.upload(file: path, contentType: contentType) { progress in
              onEvent(.uploadProgress(recordID: recordID, progress))
            })
        } catch {
          return .failure(error)
        }
      }
      if let sha256 { recentUploads[sha256] = RecentUpload(upload: upload, started: now) }
      let result = await withTaskCancellationHandler {
        await upload.value
      } onCancel: {
        upload.cancel()
      }
      // A failed one is forgotten at once: the next job tries again.
      if let sha256, case .failure = result { recentUploads[sha256] = nil }
      let url = try result.get()
      if let cache = uploadCache, let content = known.content {
        let scope = client.endpoints.rest
        await IOThread.run { cache.remember(server: scope, sha256: content.sha256, size: content.size, url: url) }
      }
      return url
    }
  }

  /// The URL of an earlier upload of the same bytes that is still there, and the file's digest to
  /// remember a new upload under. A URL confirmed long ago is checked with a HEAD first.
  private func earlierUpload(of path: String) async -> (content: (sha256: String, size: Int64)?, url: String?) {
    guard let cache = uploadCache else { return (nil, nil) }
    let scope = client.endpoints.rest
    let found = await IOThread.run { () -> (sha256: String, size: Int64, answer: UploadCache.Answer)? in
      var info = stat()
      guard stat(path, &info) == 0, let sha256 = SHA256.hexDigest(ofFile: path) else { return nil }
      let size = Int64(info.st_size)
      return (sha256, size, cache.lookup(server: scope, sha256: sha256, size: size))
    }
    guard let found else { return (nil, nil) }
    let content = (found.sha256, found.size)
    switch found.answer {
    case .trusted(let url):
      client.trace?("not uploading \(path) again: the same bytes (SHA-256 \(found.sha256.prefix(12))…) are at \(url)")
      return (content, url)
    case .unsure(let url):
      if await client.fileIsAvailable(url) {
        client.trace?("not uploading \(path) again: the earlier upload still answers at \(url)")
        await IOThread.run { cache.remember(server: scope, sha256: found.sha256, size: found.size, url: url) }
        return (content, url)
      }
      client.trace?("the earlier upload of \(path) is gone; uploading it again")
      await IOThread.run { cache.forget(server: scope, sha256: found.sha256) }
      return (content, nil)
    case .unknown:
      return (content, nil)
    }
  }

  private func estimate(_ request: MagiRequest) -> GenerationRecord.Billing {
    .init(units: request.billingUnits, pricePerUnit: pricePerUnit(request.endpoint.model))
  }

  /// Marks the server name of the embedded offline emulator (the twin), which keeps its jobs in
  /// the data directory across restarts.
  public static let embeddedPrefix = GenerationRecord.embeddedServerPrefix

  /// A batch's id: time-ordered like a record id, and made before any of its records, so that
  /// ``batchCreated(_:)`` bounds where its records can be.
  public static func newBatchID() -> String { newRecordID() }

  /// When a batch id was made (its first 12 hex digits are milliseconds since 1970); nil for an id
  /// that is not one of ``newBatchID()``'s.
  public static func batchCreated(_ id: String) -> Date? {
    guard id.count == 24, id.allSatisfy(\.isHexDigit), let milliseconds = UInt64(id.prefix(12), radix: 16) else {
      return nil
    }
    return Date(timeIntervalSince1970: Double(milliseconds) / 1000)
  }

  /// Time-ordered ids (like UUIDv7): sortable, and unique across two instances writing at once.
  static func newRecordID() -> String {
    let milliseconds = UInt64(Date().timeIntervalSince1970 * 1000)
    var random = SystemRandomNumberGenerator()
    let high = String(milliseconds, radix: 16)
    let low = String(random.next() & 0xFFFF_FFFF_FFFF, radix: 16)
    return String(repeating: "0", count: max(0, 12 - high.count)) + high
      + String(repeating: "0", count: max(0, 12 - low.count)) + low
  }
}
