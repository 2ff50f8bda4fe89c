import FalProtocol
import FlyingFox
import Foundation

/// Submit, status, status stream, result and cancel, answered the way fal's queue answers them.
extension Router {
  /// Accepts any body (fal validates later, in the app) and answers 200 IN_QUEUE with absolute URLs.
  ///
  /// - Parameter ending: how the job ends instead of running (a ``Fault/jobEndsWith(errorType:)``).
  func submit(_ request: HTTPRequest, endpoint: EndpointID, webhook: String?, ending: JobFailure? = nil) async
    -> HTTPResponse
  {
    let body: Data
    do {
      body = try await request.bodyData
    } catch {
      return Responses.detail(400, "Could not read the request body")
    }
    let job = await queue.submit(endpoint: endpoint, body: body, webhookURL: webhook)
    // Ended the way a cancel ends it: at once while queued, at the next step once running.
    if let ending { _ = await queue.cancel(job.id, ending: ending) }
    // Submit always reports IN_QUEUE, even when a worker picks the job up at once.
    var status = job.status(baseURL: baseURL.current, logs: nil)
    status.state = .inQueue
    status.queuePosition = job.queuePosition ?? 0
    return Responses.json(200, status, requestID: job.id)
  }

  /// 202 while queued or running, 200 once COMPLETED (stable across polls).
  func status(app: String, requestID: String, logs: Bool) async -> HTTPResponse {
    guard let job = await queue.job(requestID), job.endpoint.app == app else {
      return Responses.detail(404, "Request \(requestID) not found")
    }
    var lines: [LogEntry]?
    if logs {
      lines = statusLogWindow.map { Array(job.logs.suffix($0)) } ?? job.logs
    }
    let status = job.status(baseURL: baseURL.current, logs: lines)
    return Responses.json(job.state == .completed ? 200 : 202, status, requestID: job.id)
  }

  /// Server-sent events until COMPLETED; see ``StatusStream``.
  func stream(app: String, requestID: String, logs: Bool, fault: Fault?) async -> HTTPResponse {
    guard let job = await queue.job(requestID), job.endpoint.app == app else {
      return Responses.detail(404, "Request \(requestID) not found")
    }
    var dropAfter: Int?
    var malformed = false
    var misbehaviour: StatusStream.Misbehaviour?
    switch fault {
    case .dropStream(let events): dropAfter = max(0, events)
    case .malformedBody: malformed = true
    case .silentStream: misbehaviour = .silent
    case .endlessLine: misbehaviour = .endlessLine
    case .endlessLogs: misbehaviour = .endlessLogs
    default: break
    }
    let events = StatusStream(
      queue: queue, jobID: job.id, baseURL: baseURL.current, includeLogs: logs, keepAlive: keepAliveInterval,
      clock: clock, dropAfterEvents: dropAfter, malformed: malformed, misbehaviour: misbehaviour)
    return HTTPResponse(
      statusCode: .ok,
      headers: [
        .contentType: "text/event-stream", .cacheControl: "no-cache", HTTPHeader(FalHeader.requestID): job.id,
      ],
      body: HTTPBodySequence(from: events))
  }

  /// The stored output (200 + billing units), the app's error, or 202 + status while pending.
  /// `billableUnitsHeader` replaces the units' text on a success (a malformed-header fault).
  func result(app: String, requestID: String, billableUnitsHeader: String? = nil) async -> HTTPResponse {
    guard let job = await queue.job(requestID), job.endpoint.app == app else {
      return Responses.detail(404, "Request \(requestID) not found")
    }
    let unitsHeader = HTTPHeader(FalHeader.billableUnits)
    switch job.outcome {
    case nil:
      return Responses.json(202, job.status(baseURL: baseURL.current, logs: nil), requestID: job.id)
    case .success(let output, let units)?:
      let units = billableUnitsHeader ?? Responses.formatUnits(units)
      return Responses.json(200, output, requestID: job.id, headers: [unitsHeader: units])
    case .failure(let failure)?:
      var headers: HTTPHeaders = [unitsHeader: "0"]
      if failure.sendsErrorTypeHeader { headers[HTTPHeader(FalHeader.errorType)] = failure.errorType }
      if let type = failure.requestTimeoutType { headers[HTTPHeader(FalHeader.requestTimeoutType)] = type }
      return Responses.json(failure.httpStatus, failure.body, requestID: job.id, headers: headers)
    }
  }

  /// 202 CANCELLATION_REQUESTED, 400 ALREADY_COMPLETED, 404 NOT_FOUND.
  func cancel(app: String, requestID: String, ending failure: JobFailure = .cancelled) async -> HTTPResponse {
    let outcome: CancelOutcome
    if let job = await queue.job(requestID), job.endpoint.app == app {
      outcome = await queue.cancel(requestID, ending: failure)
    } else {
      outcome = .notFound
    }
    switch outcome {
    case .requested:
      return Responses.json(202, CancelResponse(status: "CANCELLATION_REQUESTED"), requestID: requestID)
    case .alreadyCompleted:
      return Responses.json(400, CancelResponse(status: "ALREADY_COMPLETED"), requestID: requestID)
    case .notFound:
      return Responses.json(404, CancelResponse(status: "NOT_FOUND"), requestID: requestID)
    }
  }
}
