import FalProtocol
import FlyingFox
import Foundation

/// Submit, status, status stream, result and cancel, answered the way fal's queue answers them.
extension Router {
  /// Accepts any body (fal validates later, in the app) and answers 200 IN_QUEUE with absolute URLs.
  ///
  /// Honours `X-Fal-Queue-Priority` (`low` waits behind `normal`) and `X-Fal-Request-Timeout`
  /// (seconds to start); `X-Fal-Store-IO`, `X-Fal-No-Retry` and `X-Fal-Runner-Hint` are accepted
  /// and change nothing a single simulated runner pool could show.
  /// - Parameter ending: how the job ends instead of running (a ``Fault/jobEndsWith(errorType:)``).
  func submit(
    _ request: HTTPRequest, endpoint: EndpointID, webhook: String?, origin: RequestOrigin, ending: JobFailure? = nil
  ) async
    -> HTTPResponse
  {
    let body: Data
    do {
      body = try await request.bodyData
    } catch {
      return Responses.detail(400, "Could not read the request body")
    }
    let job = await enqueue(request, endpoint: endpoint, body: body, webhook: webhook)
    // Ended the way a cancel ends it: at once while queued, at the next step once running.
    if let ending { _ = await queue.cancel(job.id, ending: ending) }
    // Submit always reports IN_QUEUE, even when a worker picks the job up at once.
    var status = job.status(baseURL: origin.queue, logs: nil)
    status.state = .inQueue
    status.queuePosition = job.queuePosition ?? 0
    return Responses.json(200, status, requestID: job.id)
  }

  /// fal's synchronous endpoint (`POST https://fal.run/{id}`): the request goes through the same
  /// queue and runners, and the call is answered only when it ends, exactly as its result would be.
  func run(_ request: HTTPRequest, endpoint: EndpointID, origin: RequestOrigin, billableUnitsHeader: String?)
    async -> HTTPResponse
  {
    let body: Data
    do {
      body = try await request.bodyData
    } catch {
      return Responses.detail(400, "Could not read the request body")
    }
    let job = await enqueue(request, endpoint: endpoint, body: body, webhook: nil)
    guard let (_, updates) = await queue.watch(job.id) else {
      return Responses.detail(500, "Request \(job.id) vanished", errorType: "internal_error")
    }
    for await _ in updates {}
    return await result(
      app: endpoint.app, requestID: job.id, origin: origin, billableUnitsHeader: billableUnitsHeader)
  }

  private func enqueue(_ request: HTTPRequest, endpoint: EndpointID, body: Data, webhook: String?) async -> Job {
    let priority: Job.QueuePriority =
      request.headers[HTTPHeader(FalHeader.queuePriority)]?.trimmingCharacters(in: .whitespaces).lowercased()
        == "low" ? .low : .normal
    let timeout = request.headers[HTTPHeader(FalHeader.requestTimeout)].flatMap {
      Double($0.trimmingCharacters(in: .whitespaces))
    }.flatMap { $0.isFinite && $0 > 0 ? $0 : nil }
    return await queue.submit(
      endpoint: endpoint, body: body, webhookURL: webhook, priority: priority, startTimeout: timeout)
  }

  /// 202 while queued or running, 200 once COMPLETED (stable across polls).
  func status(app: String, requestID: String, logs: Bool, origin: RequestOrigin) async -> HTTPResponse {
    guard let job = await queue.job(requestID), job.endpoint.app == app else {
      return Responses.detail(404, "Request \(requestID) not found")
    }
    var lines: [LogEntry]?
    if logs {
      lines = statusLogWindow.map { Array(job.logs.suffix($0)) } ?? job.logs
    }
    let status = job.status(baseURL: origin.queue, logs: lines)
    return Responses.json(job.state == .completed ? 200 : 202, status, requestID: job.id)
  }

  /// Server-sent events until COMPLETED; see ``StatusStream``.
  func stream(app: String, requestID: String, logs: Bool, fault: Fault?, origin: RequestOrigin) async
    -> HTTPResponse
  {
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
      queue: queue, jobID: job.id, baseURL: origin.queue, includeLogs: logs, keepAlive: keepAliveInterval,
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
  /// File URLs in the output name the CDN host the request's origin uses.
  func result(app: String, requestID: String, origin: RequestOrigin, billableUnitsHeader: String? = nil) async
    -> HTTPResponse
  {
    guard let job = await queue.job(requestID), job.endpoint.app == app else {
      return Responses.detail(404, "Request \(requestID) not found")
    }
    let unitsHeader = HTTPHeader(FalHeader.billableUnits)
    switch job.outcome {
    case nil:
      return Responses.json(202, job.status(baseURL: origin.queue, logs: nil), requestID: job.id)
    case .success(let output, let units)?:
      let units = billableUnitsHeader ?? Responses.formatUnits(units)
      let moved = Self.movingFiles(in: output, from: baseURL.current, to: origin.files)
      return Responses.json(200, moved, requestID: job.id, headers: [unitsHeader: units])
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

  /// `output` with the twin's own file URLs (`<base>/files/…`) moved onto `files`; unchanged when
  /// they are the same base.
  static func movingFiles(in output: Data, from base: String, to files: String) -> Data {
    guard base != files, let value = try? FalProtocol.JSONValue.decode(output) else { return output }
    func move(_ value: FalProtocol.JSONValue) -> FalProtocol.JSONValue {
      switch value {
      case .string(let text) where text.hasPrefix(base + "/files/"):
        return .string(files + text.dropFirst(base.count))
      case .array(let items): return .array(items.map(move))
      case .object(let fields): return .object(fields.mapValues(move))
      default: return value
      }
    }
    return move(value).encoded()
  }
}
