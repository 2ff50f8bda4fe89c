import FalProtocol

extension FalQueueClient {
  /// The longest a synchronous run may go without a byte: fal answers only when the job is done,
  /// so silence is normal for as long as a generation takes.
  public static let syncSilenceLimit: Duration = .seconds(30 * 60)

  /// Runs a request on fal's synchronous endpoint (`POST {run}/{id}`): one call that answers with
  /// the result when the job is done, with no queue id, status or logs on the way.
  ///
  /// The call creates a job, so it is treated like a submit: sent once, and a reply lost after it
  /// may have been taken is ``FalClientError/outcomeUnknown(_:)``, never a silent resend (a second
  /// billed job). `startTimeout` is honoured as on the queue (`X-Fal-Request-Timeout`).
  public func run(_ endpoint: EndpointID, input: JSONValue, startTimeout: Double? = nil) async throws(FalClientError)
    -> FalResult
  {
    var request = HTTPRequest(
      method: .post, url: "\(endpoints.run)/\(endpoint.full)", headers: headers(json: true),
      body: .data(input.encoded()), timeouts: HTTPTimeouts(connect: .seconds(10), idle: Self.syncSilenceLimit))
    if let host = endpoints.runHostHeader { request.headers.set("Host", host) }
    if let startTimeout { request.headers.set(FalHeader.requestTimeout, String(startTimeout)) }
    let response = try await send(request, safety: .creates, sink: .memory(limit: Self.maxAnswerBytes))
    do {
      return try Self.result(from: response, requestID: nil)
    } catch {
      // fal ran the job and answered 2xx, but with nothing readable: what it made is unknown.
      throw .outcomeUnknown(error.description)
    }
  }

  /// Validates a MAGI request with the schema the server applies, then runs it synchronously.
  public func run(_ request: MagiRequest, startTimeout: Double? = nil) async throws(FalClientError) -> FalResult {
    if case .failure(let failure) = request.validated() { throw .invalidInput(failure.errors) }
    return try await run(request.endpoint.id, input: request.body, startTimeout: startTimeout)
  }
}
