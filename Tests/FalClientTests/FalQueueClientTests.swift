import FalClient
import FalProtocol
import Foundation
import Synchronization
import Testing

@Suite struct FalQueueClientTests {
  static let key = "key-id-123456:secret-abcdef"
  static let receipt =
    #"{"status":"IN_QUEUE","request_id":"req-1","response_url":"http://q/fal-ai/magi-distilled/requests/req-1","status_url":"http://q/fal-ai/magi-distilled/requests/req-1/status","cancel_url":"http://q/fal-ai/magi-distilled/requests/req-1/cancel","logs":null,"metrics":{},"queue_position":0}"#
  let endpoint = MagiEndpoint(mode: .imageToVideo).id
  let sleeper = SleepRecorder()

  func client(_ transport: ScriptedTransport, retry: RetryPolicy = .default) -> FalQueueClient {
    sleeper.client(transport, key: Self.key, retry: retry)
  }

  @Test func submitPostsToTheFullIdWithTheKeyAndReturnsTheReceipt() async throws {
    let transport = ScriptedTransport([.respond(.json(200, Self.receipt))])
    let status = try await client(transport).submit(
      endpoint, input: ["prompt": "p"], options: .init(webhookURL: "https://hook.example/x?a=1"))
    #expect(status.requestID == "req-1")
    let request = try #require(transport.requests.first)
    #expect(request.method == .post)
    #expect(
      request.url == "http://q/fal-ai/magi-distilled/image-to-video?fal_webhook=https%3A%2F%2Fhook.example%2Fx%3Fa%3D1")
    #expect(request.headers["Authorization"] == "Key \(Self.key)")
    #expect(request.headers["Content-Type"] == "application/json")
  }

  @Test func statusResultAndCancelDropTheSubPath() async throws {
    let transport = ScriptedTransport([
      .respond(.json(202, #"{"status":"IN_PROGRESS","request_id":"req-1","logs":[]}"#)),
      .respond(.json(200, #"{"video":{"url":"http://q/f.mp4"},"seed":7}"#, headers: ["x-fal-billable-units": "4"])),
      .respond(.json(202, #"{"status":"CANCELLATION_REQUESTED"}"#)),
    ])
    let client = client(transport)
    _ = try await client.status(endpoint, requestID: "req-1")
    let result = try await client.result(endpoint, requestID: "req-1")
    let outcome = try await client.cancel(endpoint, requestID: "req-1")
    #expect(
      transport.requests.map(\.url) == [
        "http://q/fal-ai/magi-distilled/requests/req-1/status?logs=1",
        "http://q/fal-ai/magi-distilled/requests/req-1",
        "http://q/fal-ai/magi-distilled/requests/req-1/cancel",
      ])
    #expect(transport.requests.last?.method == .put)
    #expect(result.billableUnits == 4)
    #expect(result.video?.seed == 7)
    #expect(outcome == .requested)
  }

  @Test func cancellingAFinishedRequestSaysSo() async throws {
    let transport = ScriptedTransport([.respond(.json(400, #"{"status":"ALREADY_COMPLETED"}"#))])
    #expect(try await client(transport).cancel(endpoint, requestID: "r") == .alreadyCompleted)
  }

  @Test func invalidInputIsRefusedBeforeAnyRequest() async {
    let transport = ScriptedTransport([])
    let request = MagiRequest(
      endpoint: MagiEndpoint(mode: .imageToVideo), prompt: "p", sourceURL: "https://x", numFrames: 500)
    await #expect(throws: FalClientError.self) { try await client(transport).submit(request) }
    #expect(transport.requests.isEmpty)
  }

  @Test func a422KeepsTheServersPerFieldMessages() async {
    let body =
      #"{"detail":[{"loc":["body","num_frames"],"msg":"Input should be less than or equal to 192","type":"less_than_equal"}]}"#
    let transport = ScriptedTransport([.respond(.json(422, body))])
    do {
      _ = try await client(transport).result(endpoint, requestID: "r")
      Issue.record("expected a validation error")
    } catch {
      #expect(error.fieldErrors.map(\.field) == ["num_frames"])
      #expect(error.description.contains("num_frames: Input should be less than or equal to 192"))
    }
  }

  @Test func submitIsNotRetriedWhenTheServerMayHaveAcceptedIt() async {
    for step in [
      ScriptedTransport.Step.respond(.json(500, #"{"detail":"Internal Server Error"}"#)), .fail(.connectionLost),
      .fail(.timedOut),
    ] {
      let transport = ScriptedTransport([step, .respond(.json(200, Self.receipt))])
      await #expect(throws: FalClientError.self) {
        try await client(transport).submit(endpoint, input: ["prompt": "p"])
      }
      #expect(transport.requests.count == 1, "a duplicate job costs money: \(step)")
    }
  }

  /// A submit that may have been taken fails as "outcome unknown", in words, not as a network or
  /// server failure; one the server surely refused stays what it was.
  @Test func aSubmitThatMayHaveBeenTakenReportsItsOutcomeAsUnknown() async {
    let steps: [ScriptedTransport.Step] = [
      .fail(.connectionLost), .fail(.timedOut), .respond(.json(502, "bad gateway")), .respond(.json(200, "{not json")),
    ]
    for step in steps {
      let transport = ScriptedTransport([step, .respond(.json(200, Self.receipt))])
      do {
        _ = try await client(transport).submit(endpoint, input: ["prompt": "p"])
        Issue.record("expected an unknown outcome for \(step)")
      } catch {
        guard case .outcomeUnknown = error else {
          Issue.record("\(step) gave \(error)")
          continue
        }
        #expect(error.description.hasPrefix("the submit may have reached fal; its reply was lost ("))
      }
      #expect(transport.requests.count == 1)
    }
    let refused = ScriptedTransport([.respond(.json(400, #"{"detail":"bad"}"#))])
    await #expect(throws: FalClientError.server(status: 400, detail: "bad", errorType: nil)) {
      try await client(refused).submit(endpoint, input: ["prompt": "p"])
    }
  }

  /// The transport is told which calls must never go out twice on its own: submits only.
  @Test func onlySubmitsAreMarkedAsNotIdempotent() async throws {
    let transport = ScriptedTransport([
      .respond(.json(200, Self.receipt)), .respond(.json(202, #"{"status":"IN_QUEUE","request_id":"req-1"}"#)),
      .respond(.json(202, #"{"status":"CANCELLATION_REQUESTED"}"#)),
    ])
    let client = client(transport)
    _ = try await client.submit(endpoint, input: ["prompt": "p"])
    _ = try await client.status(endpoint, requestID: "req-1")
    _ = try await client.cancel(endpoint, requestID: "req-1")
    #expect(transport.requests.map(\.isIdempotent) == [false, true, true])
  }

  /// Retried while the server cannot have taken the job, and each attempt turned away reported
  /// before the wait (`onRetry`): busy for 429 and 503, not for a refused connection, with the
  /// count and the wait; nothing after the attempt that was taken.
  @Test func submitIsRetriedWhenTheServerCannotHaveAcceptedIt() async throws {
    let transport = ScriptedTransport([
      .fail(.cannotConnect),
      .respond(.json(503, #"{"detail":"busy"}"#)),
      .respond(.json(429, #"{"detail":"slow down"}"#, headers: ["Retry-After": "3"])),
      .respond(.json(200, Self.receipt)),
    ])
    let heard = Mutex<[ConnectionTrouble]>([])
    let status = try await client(transport).submit(endpoint, input: ["prompt": "p"]) { trouble in
      heard.withLock { $0.append(trouble) }
    }
    #expect(status.requestID == "req-1")
    #expect(transport.requests.count == 4)
    #expect(sleeper.recorded.count == 3)
    #expect(sleeper.recorded.last == .seconds(3), "Retry-After is honoured")
    let troubles = heard.withLock { $0 }
    #expect(troubles.map(\.busy) == [false, true, true])
    #expect(troubles.map(\.failures) == [1, 2, 3])
    #expect(troubles.last?.retryIn == .seconds(3))
    #expect(troubles.last?.reason.contains("slow down") == true, "\(troubles)")
  }

  @Test func readsAreRetriedOn5xxAndDroppedConnectionsWithGrowingBackoff() async throws {
    let transport = ScriptedTransport([
      .respond(.json(502, "<html>nginx</html>")), .fail(.connectionLost), .respond(.json(500, "{}")),
      .respond(.json(200, #"{"status":"IN_QUEUE","request_id":"r","queue_position":1}"#)),
    ])
    let status = try await client(transport, retry: RetryPolicy(maxAttempts: 5, jitter: 0)).status(
      endpoint, requestID: "r")
    #expect(status.queuePosition == 1)
    #expect(sleeper.recorded == [.milliseconds(500), .seconds(1), .seconds(2)])
  }

  @Test func aGatewayPageIsReportedInOneLineByItsTitle() async {
    let page =
      "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    let submit = ScriptedTransport([.respond(.json(502, page))])
    await #expect(throws: FalClientError.outcomeUnknown("server error 502: HTTP 502: 502 Bad Gateway")) {
      try await client(submit).submit(endpoint, input: ["prompt": "p"])
    }
    let text = ScriptedTransport([.respond(.json(418, "  upstream\n\n said\tno \n"))])
    await #expect(throws: FalClientError.server(status: 418, detail: "HTTP 418: upstream said no", errorType: nil)) {
      try await client(text).status(endpoint, requestID: "r")
    }
  }

  @Test func retriesStopAtTheAttemptLimit() async {
    let transport = ScriptedTransport(Array(repeating: .respond(.json(503, #"{"detail":"down"}"#)), count: 10))
    await #expect(throws: FalClientError.server(status: 503, detail: "down", errorType: nil)) {
      try await client(transport, retry: RetryPolicy(maxAttempts: 3)).status(endpoint, requestID: "r")
    }
    #expect(transport.requests.count == 3)
  }

  @Test func clientErrorsAreNeverRetried() async {
    for (code, expected) in [
      (401, FalClientError.unauthorized("No user found for Key ID and Secret", hint: "check the API key")),
      (404, .notFound("No user found for Key ID and Secret")),
    ] {
      let transport = ScriptedTransport([.respond(.json(code, #"{"detail":"No user found for Key ID and Secret"}"#))])
      await #expect(throws: expected) { try await client(transport).status(endpoint, requestID: "r") }
      #expect(transport.requests.count == 1)
    }
  }

  @Test func garbageBodiesGiveAClearError() async {
    let transport = ScriptedTransport([.respond(.json(200, "{not json"))])
    await #expect(throws: FalClientError.self) { try await client(transport).status(endpoint, requestID: "r") }
  }

  @Test func theKeyNeverAppearsInErrors() async {
    let transport = ScriptedTransport([.fail(.other)])
    let leaky = FalQueueClient(
      transport: LeakyTransport(), endpoints: FalEndpoints(single: "http://q"), credentials: Credentials(key: Self.key),
      retryPolicy: .none)
    do {
      _ = try await leaky.status(endpoint, requestID: "r")
    } catch {
      #expect(!"\(error)".contains("secret-abcdef"))
      #expect(!"\(error)".contains(Self.key))
      #expect("\(error)".contains("<redacted>"))
    }
    #expect(!"\(Credentials(key: Self.key))".contains("secret"))
    _ = transport
  }
}

/// A server (or proxy) that quotes the request's Authorization header back: in error bodies, in
/// headers, in log lines, in stream events. Nothing the client hands on may hold the key.
@Suite struct EchoedKeyTests {
  static let key = FalQueueClientTests.key
  let endpoint = MagiEndpoint(mode: .textToVideo).id

  func client(_ transport: ScriptedTransport) -> FalQueueClient {
    FalQueueClient(
      transport: transport, endpoints: FalEndpoints(single: "http://q"), credentials: Credentials(key: Self.key),
      retryPolicy: .none, sleep: { _ in })
  }

  func expectNoKey(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(!text.contains("secret-abcdef"), "\(text)", sourceLocation: sourceLocation)
    #expect(!text.contains("key-id-123456"), "\(text)", sourceLocation: sourceLocation)
  }

  @Test func errorDetailsHeadersAndRawBodiesAreRedacted() async {
    let bodies: [HTTPResponse] = [
      .json(500, #"{"detail":"Internal error (request had Authorization: Key \#(Self.key))"}"#),
      .json(401, #"{"detail":"No user found for \#(Self.key)"}"#),
      .json(422, #"{"detail":[{"loc":["body","prompt"],"msg":"bad \#(Self.key)","type":"value_error"}]}"#),
      .json(503, #"{"detail":"down"}"#, headers: ["X-Fal-Error-Type": "echo Key \(Self.key)"]),
      HTTPResponse(status: 502, body: Data("<html>Authorization: Key \(Self.key)</html>".utf8)),
    ]
    for body in bodies {
      let transport = ScriptedTransport([.respond(body)])
      do {
        _ = try await client(transport).status(endpoint, requestID: "r")
        Issue.record("expected an error for \(body.status)")
      } catch {
        expectNoKey(error.description)
        #expect(error.description.contains("<redacted>"), "\(error)")
      }
    }
  }

  @Test func logsErrorsAndResultsOfAnsweredCallsAreRedacted() async throws {
    let transport = ScriptedTransport([
      .respond(
        .json(
          200,
          #"{"status":"COMPLETED","request_id":"r","error":"runner saw Key \#(Self.key)","logs":[{"message":"env FAL_KEY=\#(Self.key)","level":"INFO","source":"USER","timestamp":"t"}]}"#
        )),
      .respond(.json(200, #"{"video":{"url":"http://q/f.mp4"},"note":"\#(Self.key)"}"#)),
    ])
    let client = client(transport)
    let status = try await client.status(endpoint, requestID: "r")
    expectNoKey(status.error ?? "")
    expectNoKey(status.logs?.map(\.message).joined() ?? "")
    #expect(status.logs?.first?.message == "env FAL_KEY=<redacted>")
    let result = try await client.result(endpoint, requestID: "r")
    expectNoKey(String(decoding: result.output.encoded(), as: UTF8.self))
  }

  @Test func streamEventsAreRedactedEvenWhenTheKeySpansChunks() async throws {
    let event = FollowTests.event(
      "COMPLETED", logs: [("t1", "echo Key \(Self.key)")], extra: #","error":"\#(Self.key)""#)
    let middle = event.index(event.startIndex, offsetBy: event.count / 2 + 20)
    let transport = ScriptedTransport([.stream([String(event[..<middle]), String(event[middle...])])])
    var updates: [JobUpdate] = []
    for try await update in client(transport).follow(endpoint, requestID: "r") { updates.append(update) }
    #expect(updates.count == 1)
    expectNoKey(updates.flatMap(\.newLogs).map(\.message).joined())
    expectNoKey(updates.first?.status.error ?? "")
    #expect(updates.first?.newLogs.first?.message == "echo Key <redacted>")
  }
}

/// A transport whose errors quote the Authorization header, as a careless library might.
struct LeakyTransport: HTTPTransport {
  func execute(_ request: HTTPRequest, sink: HTTPResponseSink) async throws(TransportError) -> HTTPResponse {
    throw TransportError(.other, "failed with header \(request.headers["Authorization"] ?? "")")
  }
}
