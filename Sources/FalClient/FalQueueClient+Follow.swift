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

extension FalQueueClient {
  /// Follows a job to COMPLETED: by status stream first, reconnecting when it drops, and by polling
  /// when streaming keeps failing. Logs from both are merged into one complete log.
  ///
  /// The stream finishes after the COMPLETED update (check ``QueueStatus/error`` for failures) and
  /// throws when the job cannot be followed (unknown request, auth, persistent network failure).
  public func follow(_ endpoint: EndpointID, requestID: String, knownLog: JobLog = JobLog())
    -> AsyncThrowingStream<JobUpdate, any Error>
  {
    let (stream, continuation) = AsyncThrowingStream<JobUpdate, any Error>.makeStream()
    let task = Task {
      do {
        try await runFollow(endpoint, requestID: requestID, log: knownLog) { continuation.yield($0) }
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
    _ endpoint: EndpointID, requestID: String, log initialLog: JobLog, emit: (JobUpdate) -> Void
  ) async throws(FalClientError) {
    var log = initialLog
    var streamFailures = 0
    var attempt = 0
    func report(_ status: QueueStatus, _ channel: JobUpdate.Channel) {
      let fresh = log.merge(status.logs ?? [])
      emit(JobUpdate(status: status, newLogs: fresh, channel: channel))
    }
    while streamFailures < Self.streamFailureLimit {
      if Task.isCancelled { throw .cancelled }
      var progressed = false
      do {
        for try await status in statusStream(endpoint, requestID: requestID) {
          progressed = true
          streamFailures = 0
          report(status, .stream)
          if status.isFinal { return }
        }
        // Closed without COMPLETED: a dropped stream. Reconnect.
      } catch let error as FalClientError {
        switch error {
        case .cancelled, .unauthorized, .forbidden, .notFound: throw error
        default: break
        }
      } catch {
        throw .malformedResponse("\(error)")
      }
      if !progressed { streamFailures += 1 }
      attempt += 1
      let delay = retryPolicy.delay(
        after: .transport(TransportError(.connectionLost, "stream closed")), attempt: min(attempt, 4),
        safety: .idempotent) ?? retryPolicy.baseDelay
      do { try await sleep(progressed ? .zero : delay) } catch { throw .cancelled }
    }
    // Streaming keeps failing (a proxy that buffers, a server without SSE): poll instead.
    while true {
      let status = try await status(endpoint, requestID: requestID, logs: true)
      report(status, .polling)
      if status.isFinal { return }
      do { try await sleep(pollInterval) } catch { throw .cancelled }
    }
  }
}
