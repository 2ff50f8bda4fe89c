import FalProtocol

/// One step of a followed job: its latest status and the log lines that are new since the last step.
public struct JobUpdate: Sendable, Hashable {
  public var status: QueueStatus
  /// Lines not reported before, deduplicated across polls, streams and reconnects.
  public var newLogs: [LogEntry]
  /// How the update arrived: a user may want to know the stream fell back to polling.
  public var channel: Channel

  public enum Channel: String, Sendable, Hashable {
    case stream
    case polling
  }

  public init(status: QueueStatus, newLogs: [LogEntry], channel: Channel) {
    self.status = status
    self.newLogs = newLogs
    self.channel = channel
  }
}

/// How a follow behaves when the connection goes quiet or fails.
public struct FollowOptions: Sendable {
  /// A status stream that moves no byte for this long is dead: fal sends a keep-alive every few
  /// seconds. Polls get the same limit, so a server that stops answering is noticed this fast.
  public var silenceLimit: Duration
  /// Failed attempts in a row after which the follow gives up and throws; nil keeps trying for as
  /// long as the follow runs (the studio: the job resumes by itself when the server is back).
  public var giveUpAfter: Int?
  /// The longest wait between attempts while the server is unreachable.
  public var maxRetryDelay: Duration
  /// Told each time an attempt fails (with when the next one comes) and, with nil, when the server
  /// answers again. Called from the follow's task.
  public var onConnection: (@Sendable (ConnectionTrouble?) -> Void)?
  /// Told, in words, when the follow changes course by itself (a silent or oversized stream is
  /// given up for polling), so that the user knows why updates slow down.
  public var onNotice: (@Sendable (String) -> Void)?

  public init(
    silenceLimit: Duration = .seconds(20), giveUpAfter: Int? = 6, maxRetryDelay: Duration = .seconds(30),
    onConnection: (@Sendable (ConnectionTrouble?) -> Void)? = nil, onNotice: (@Sendable (String) -> Void)? = nil
  ) {
    self.silenceLimit = silenceLimit
    self.giveUpAfter = giveUpAfter
    self.maxRetryDelay = maxRetryDelay
    self.onConnection = onConnection
    self.onNotice = onNotice
  }
}

extension FalQueueClient {
  /// Follows a job to COMPLETED: by status stream first, reconnecting when it drops, and by polling
  /// when streaming keeps failing or goes silent. Logs from both are merged into one log.
  ///
  /// The stream finishes after the COMPLETED update (check ``QueueStatus/error`` for failures) and
  /// throws when the job cannot be followed: unknown request (404), auth, or, after
  /// ``FollowOptions/giveUpAfter`` failed attempts in a row, the last network or server error.
  public func follow(
    _ endpoint: EndpointID, requestID: String, knownLog: JobLog = JobLog(), options: FollowOptions = FollowOptions()
  ) -> AsyncThrowingStream<JobUpdate, any Error> {
    let (stream, continuation) = AsyncThrowingStream<JobUpdate, any Error>.makeStream()
    let task = Task {
      do {
        try await runFollow(endpoint, requestID: requestID, log: knownLog, options: options) { continuation.yield($0) }
        continuation.finish()
      } catch {
        continuation.finish(throwing: error)
      }
    }
    continuation.onTermination = { _ in task.cancel() }
    return stream
  }

  /// Consecutive stream failures after which polling takes over.
  static var streamFailureLimit: Int { 3 }

  private func runFollow(
    _ endpoint: EndpointID, requestID: String, log initialLog: JobLog, options: FollowOptions,
    emit: (JobUpdate) -> Void
  ) async throws(FalClientError) {
    var log = initialLog
    var streamFailures = 0
    // Streams that moved and then closed before the job ended.
    var streamCuts = 0
    // Failed attempts in a row, stream or poll: the outage the user is told about.
    var failures = 0
    // Whether polls failed too: once one succeeds again, the outage is over and the stream is
    // worth another try (a stream given up for a buffering proxy is not).
    var pollsFailed = false
    // Each poll is one attempt: the follow does the retrying, so every failure is reported.
    var poller = self
    poller.retryPolicy = .none
    let backoff = RetryPolicy(
      maxAttempts: .max, baseDelay: retryPolicy.baseDelay, maxDelay: options.maxRetryDelay, jitter: retryPolicy.jitter)
    func report(_ status: QueueStatus, _ channel: JobUpdate.Channel) {
      if failures > 0 {
        failures = 0
        options.onConnection?(nil)
      }
      let fresh = log.merge(status.logs ?? [])
      emit(JobUpdate(status: status, newLogs: fresh, channel: channel))
    }
    /// Counts a failed attempt, gives up or says when the next one comes, and waits for it.
    func failed(_ error: FalClientError) async throws(FalClientError) {
      failures += 1
      if let limit = options.giveUpAfter, failures >= limit { throw error }
      let delay =
        backoff.delay(
          after: .transport(TransportError(.connectionLost, "")), attempt: min(failures, 30), safety: .idempotent)
        ?? options.maxRetryDelay
      options.onConnection?(ConnectionTrouble(reason: error.description, failures: failures, retryIn: delay))
      do { try await sleep(delay) } catch { throw .cancelled }
    }
    while true {
      if Task.isCancelled { throw .cancelled }
      if streamFailures < Self.streamFailureLimit {
        var progressed = false
        var failure: FalClientError?
        do {
          for try await status in statusStream(endpoint, requestID: requestID, silenceLimit: options.silenceLimit) {
            progressed = true
            streamFailures = 0
            report(status, .stream)
            if status.isFinal { return }
          }
          // Closed without COMPLETED: a dropped stream. Reconnect.
        } catch let error as FalClientError {
          switch error {
          case .cancelled, .unauthorized, .forbidden, .notFound: throw error
          default: failure = error
          }
        } catch {
          failure = .malformedResponse("\(error)")
        }
        if let failure, case .transport(let transport) = failure,
          transport.kind == .timedOut || transport.kind == .bodyTooLarge
        {
          // Silent or oversized: a proxy may be holding the stream back, or the server is gone. A
          // poll tells at once which. Also after events: a stream that went quiet mid-job is not
          // reconnected (a second silent stream doubled the time before the user heard anything).
          streamFailures = Self.streamFailureLimit
          options.onNotice?(
            transport.kind == .timedOut
              ? "the status stream sent nothing for \(Self.spoken(options.silenceLimit)); polling instead"
              : "\(transport.message); polling instead")
          continue
        }
        if progressed {
          // A stream cut after it moved is reconnected at once the first time; cut again and again
          // (a proxy that closes every stream after an event), it waits a poll interval each time,
          // or the follow would reconnect as fast as the server answers.
          if streamCuts > 0 {
            do { try await sleep(pollInterval) } catch { throw .cancelled }
          }
          streamCuts += 1
          continue
        }
        streamFailures += 1
        guard let failure else { continue }
        try await failed(failure)
        continue
      }
      // Streaming keeps failing (a proxy that buffers, a server without SSE, an outage): poll.
      let status: QueueStatus
      do {
        status = try await poller.status(endpoint, requestID: requestID, logs: true, idleLimit: options.silenceLimit)
      } catch {
        guard error.isTransient else { throw error }
        pollsFailed = true
        try await failed(error)
        continue
      }
      if pollsFailed {
        pollsFailed = false
        streamFailures = 0
      }
      report(status, .polling)
      if status.isFinal { return }
      do { try await sleep(pollInterval) } catch { throw .cancelled }
    }
  }

  /// A limit as the user reads it: "20 s", or "400 ms" below a second (whole seconds alone said "0 s").
  private static func spoken(_ limit: Duration) -> String {
    let (seconds, attoseconds) = limit.components
    let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
    return milliseconds % 1000 == 0 ? "\(seconds) s" : "\(milliseconds) ms"
  }
}
