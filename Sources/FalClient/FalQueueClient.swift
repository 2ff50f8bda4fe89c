import FalProtocol

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// The fal queue client: submit, status, status stream, result, cancel, upload, download.
///
/// A value type over an ``HTTPTransport``, so the CLI, the TUI and tests share one implementation and
/// any number of jobs can be followed concurrently on the transport's single network thread.
public struct FalQueueClient: Sendable {
  public let transport: any HTTPTransport
  public let endpoints: FalEndpoints
  public let credentials: Credentials
  /// Removes the key from everything a server sends back, before anything reads it: a server or a
  /// proxy that echoes the `Authorization` header in an error body, a log line or a header must not
  /// put the key on the screen or in the history. Every response passes through it (``send``, the
  /// status stream), so no message built later can hold the key.
  public let redactor: Redactor
  public var retryPolicy: RetryPolicy
  public var userAgent: String
  /// How long to wait between polls when streaming is unavailable.
  public var pollInterval: Duration
  /// Sleeps between retries and polls; tests replace it to run instantly.
  public var sleep: @Sendable (Duration) async throws -> Void
  /// Where uploads switch to multipart, and the part size.
  public var uploadLimits = UploadLimits()
  /// Says which way an upload went (CDN, fallback, multipart), for `--verbose`; nil says nothing.
  public var trace: (@Sendable (String) -> Void)?
  /// The CDN upload token, shared by the copies of this client until it expires.
  let cdnTokens = CDNTokenStore()

  public init(
    transport: any HTTPTransport, endpoints: FalEndpoints, credentials: Credentials,
    retryPolicy: RetryPolicy = .default, userAgent: String = "magi-studio/0.1",
    pollInterval: Duration = .milliseconds(500),
    sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
  ) {
    self.transport = transport
    self.endpoints = endpoints
    self.credentials = credentials
    self.redactor = credentials.redactor
    self.retryPolicy = retryPolicy
    self.userAgent = userAgent
    self.pollInterval = pollInterval
    self.sleep = sleep
  }

  // MARK: - Queue calls

  /// Options of a submit beyond the input.
  public struct SubmitOptions: Sendable, Hashable {
    /// fal POSTs the result here when the request finishes.
    public var webhookURL: String?
    /// `normal` or `low`.
    public var priority: String?
    /// Seconds the request may wait to start before fal gives up (> 1).
    public var startTimeout: Double?

    public init(webhookURL: String? = nil, priority: String? = nil, startTimeout: Double? = nil) {
      self.webhookURL = webhookURL
      self.priority = priority
      self.startTimeout = startTimeout
    }
  }

  /// Queues a request on the full endpoint id and returns fal's receipt (`request_id` and URLs).
  /// `onRetry` hears of each attempt the server turned away before the next one is made (a 429
  /// storm can hold a submit for minutes: the user sees why).
  public func submit(
    _ endpoint: EndpointID, input: JSONValue, options: SubmitOptions = SubmitOptions(),
    onRetry: (@Sendable (ConnectionTrouble) -> Void)? = nil
  ) async throws(FalClientError) -> QueueStatus {
    var url = "\(endpoints.queue)/\(endpoint.full)"
    if let webhook = options.webhookURL { url += "?fal_webhook=" + PercentEncoding.encodeQueryValue(webhook) }
    var request = HTTPRequest(method: .post, url: url, headers: headers(json: true), body: .data(input.encoded()))
    if let priority = options.priority { request.headers.set(FalHeader.queuePriority, priority) }
    if let timeout = options.startTimeout { request.headers.set(FalHeader.requestTimeout, String(timeout)) }
    let response = try await send(request, safety: .creates, onRetry: onRetry)
    do {
      return try decode(QueueStatus.self, from: response, call: "submit")
    } catch {
      // A 2xx was answered: fal took the job, but without a readable receipt there is no id to follow.
      throw .outcomeUnknown(error.description)
    }
  }

  /// Validates a MAGI request with the schema the server applies, then submits it.
  ///
  /// Invalid input throws ``FalClientError/invalidInput(_:)`` before any request is made.
  public func submit(_ request: MagiRequest, options: SubmitOptions = SubmitOptions()) async throws(FalClientError)
    -> QueueStatus
  {
    if case .failure(let failure) = request.validated() { throw .invalidInput(failure.errors) }
    return try await submit(request.endpoint.id, input: request.body, options: options)
  }

  /// The largest status or result body read into memory: fal's are a few kilobytes, and a server
  /// that sends more is broken (the answer fails, and a follow retries), not buffered.
  public static let maxAnswerBytes = 4 << 20

  /// One status poll, with the logs fal holds for the request (a moving window).
  public func status(_ endpoint: EndpointID, requestID: String, logs: Bool = true) async throws(FalClientError)
    -> QueueStatus
  {
    try await status(endpoint, requestID: requestID, logs: logs, idleLimit: HTTPTimeouts().idle)
  }

  /// A status poll that fails when the server sends nothing for `idleLimit` (a follow's silence limit).
  func status(_ endpoint: EndpointID, requestID: String, logs: Bool, idleLimit: Duration?) async throws(FalClientError)
    -> QueueStatus
  {
    let request = HTTPRequest(
      method: .get, url: requestURL(endpoint, requestID, suffix: "/status?logs=\(logs ? 1 : 0)"), headers: headers(),
      timeouts: HTTPTimeouts(idle: idleLimit))
    let response = try await send(request, safety: .idempotent, sink: .memory(limit: Self.maxAnswerBytes))
    return try decode(QueueStatus.self, from: response, call: "status")
  }

  /// The stored result of a completed request: the model output and its billing.
  public func result(_ endpoint: EndpointID, requestID: String) async throws(FalClientError) -> FalResult {
    let request = HTTPRequest(method: .get, url: requestURL(endpoint, requestID, suffix: ""), headers: headers())
    let response = try await send(request, safety: .idempotent, sink: .memory(limit: Self.maxAnswerBytes))
    guard response.status == 200 else {
      // 202: the request is still pending; fal documents no body for it.
      throw .server(status: response.status, detail: "result not ready yet", errorType: nil)
    }
    return try Self.result(from: response, requestID: requestID)
  }

  /// A 200 result's output, request id and billing, as the result call and a sync run answer them.
  static func result(from response: HTTPResponse, requestID: String?) throws(FalClientError) -> FalResult {
    let body: JSONValue
    do { body = try JSONValue.decode(response.body) } catch {
      throw .malformedResponse("result is not JSON (\(response.body.count) bytes)")
    }
    let unitsHeader = response.headers[FalHeader.billableUnits]
    let units = unitsHeader.flatMap(BillableUnits.parse)
    return FalResult(
      requestID: response.headers[FalHeader.requestID] ?? requestID ?? "", billableUnits: units, output: body,
      unusableBillableUnits: units == nil ? unitsHeader : nil)
  }

  /// What a cancel call achieved.
  public enum CancelOutcome: String, Sendable, Hashable {
    /// Queued requests are removed; running ones are asked to stop.
    case requested
    /// Too late: the request had already finished.
    case alreadyCompleted
  }

  /// Asks fal to cancel a request.
  public func cancel(_ endpoint: EndpointID, requestID: String) async throws(FalClientError) -> CancelOutcome {
    let request = HTTPRequest(
      method: .put, url: requestURL(endpoint, requestID, suffix: "/cancel"), headers: headers(json: true))
    let response = try await send(request, safety: .idempotent, acceptedErrors: [400])
    if response.status == 400 { return .alreadyCompleted }
    return .requested
  }

  // MARK: - Plumbing

  func requestURL(_ endpoint: EndpointID, _ requestID: String, suffix: String) -> String {
    "\(endpoints.queue)/\(endpoint.app)/requests/\(PercentEncoding.encodePathSegment(requestID))\(suffix)"
  }

  func headers(json: Bool = false, authorized: Bool = true) -> HTTPHeaders {
    var headers = HTTPHeaders()
    if authorized { headers.add("Authorization", credentials.authorizationHeader) }
    headers.add("Accept", "application/json")
    headers.add("User-Agent", userAgent)
    if json { headers.add("Content-Type", "application/json") }
    return headers
  }

  /// Sends with retries; returns a 2xx response (or one of `acceptedErrors`), else throws the mapped error.
  /// `onRetry` is told of each failed attempt that will be retried, with the wait before the next.
  func send(
    _ request: HTTPRequest, safety: RetryPolicy.Safety, sink: HTTPResponseSink = .memory(limit: 64 << 20),
    acceptedErrors: Set<Int> = [], onRetry: (@Sendable (ConnectionTrouble) -> Void)? = nil
  ) async throws(FalClientError) -> HTTPResponse {
    var request = request
    // The transport learns what the retry policy knows: a call that creates must not be repeated
    // behind our back either.
    request.isIdempotent = safety == .idempotent
    var attempt = 0
    while true {
      attempt += 1
      if Task.isCancelled { throw .cancelled }
      let failure: RetryPolicy.Failure
      let lastError: FalClientError
      do {
        let response = redactor.redact(try await transport.execute(request, sink: sink))
        if response.isSuccess || acceptedErrors.contains(response.status) { return response }
        lastError = error(from: response)
        failure = .status(
          response.status, retryAfter: RetryPolicy.parseRetryAfter(response.headers[FalHeader.retryAfter]))
      } catch {
        if error.kind == .cancelled, safety == .idempotent { throw .cancelled }
        lastError = .transport(TransportError(error.kind, redactor.redact(error.message)))
        failure = .transport(error)
      }
      // The deadline the request set has passed: asking again cannot help (fal's clients agree).
      if case .startTimeout = lastError { throw lastError }
      guard let delay = retryPolicy.delay(after: failure, attempt: attempt, safety: safety) else {
        if safety == .creates, RetryPolicy.mayHaveActed(failure) { throw .outcomeUnknown(lastError.description) }
        throw lastError
      }
      if let onRetry {
        var busy = false
        if case .status(let code, _) = failure { busy = code == 429 || code == 503 }
        onRetry(ConnectionTrouble(reason: lastError.description, failures: attempt, retryIn: delay, busy: busy))
      }
      do { try await sleep(delay) } catch { throw .cancelled }
    }
  }

  func decode<T: Decodable>(_ type: T.Type, from response: HTTPResponse, call: String) throws(FalClientError) -> T {
    do {
      return try JSONDecoder().decode(T.self, from: response.body)
    } catch {
      throw .malformedResponse("\(call) answered \(response.status) with a body that is not fal's \(T.self)")
    }
  }

  /// Turns an error response (already redacted) into the error a user can act on, keeping the
  /// server's own words.
  func error(from response: HTTPResponse) -> FalClientError {
    let json = try? JSONValue.decode(response.body)
    let detailText: String = {
      if case .string(let text)? = json?["detail"] { return text }
      if case .string(let text)? = json?["message"] { return text }
      if let json, case .object = json { return String(decoding: json.encoded(), as: UTF8.self) }
      let text = ErrorBodyText.summary(of: response.body)
      return text.isEmpty ? "HTTP \(response.status)" : "HTTP \(response.status): \(text)"
    }()
    let errorType = json?["error_type"]?.stringValue ?? response.headers[FalHeader.errorType]
    if response.status == 504, response.headers[FalHeader.requestTimeoutType]?.lowercased() == "user" {
      return .startTimeout(detailText)
    }
    switch response.status {
    case 401: return .unauthorized(detailText, hint: credentials.source.refusalHint)
    case 403: return .forbidden(detailText)
    case 404: return .notFound(detailText)
    case 422:
      if let body = try? JSONDecoder().decode(ValidationErrorBody.self, from: response.body) {
        return .invalidInput(body.detail)
      }
      return .invalidInput([FieldError(loc: ["body"], msg: detailText, type: errorType ?? "value_error")])
    default:
      return .server(status: response.status, detail: detailText, errorType: errorType)
    }
  }
}

/// A completed request's stored result.
public struct FalResult: Sendable, Hashable {
  public var requestID: String
  /// `x-fal-billable-units`: what fal billed for the request.
  public var billableUnits: Double?
  /// The model output exactly as returned.
  public var output: JSONValue
  /// The `x-fal-billable-units` text when it was sent but is no usable count (``BillableUnits``):
  /// the units are then unknown, and the caller warns once with what was sent.
  public var unusableBillableUnits: String?

  public init(requestID: String, billableUnits: Double?, output: JSONValue, unusableBillableUnits: String? = nil) {
    self.requestID = requestID
    self.billableUnits = billableUnits
    self.output = output
    self.unusableBillableUnits = unusableBillableUnits
  }

  /// The output as MAGI-1's `{video, seed}`, when it has that shape.
  public var video: VideoOutput? {
    try? JSONDecoder().decode(VideoOutput.self, from: output.encoded())
  }
}
