import FalClient
import Foundation
import Synchronization

/// A transport that answers from a script and records every request, for tests of the client's
/// protocol logic (retries, error mapping, fallbacks) without sockets.
final class ScriptedTransport: HTTPTransport {
  enum Step: Sendable {
    case respond(HTTPResponse)
    /// Streams these chunks to a `.stream` sink, then answers 200.
    case stream([String])
    /// Streams these chunks to a `.stream` sink, then fails (a stream that goes silent mid-way).
    case streamThenFail([String], TransportError.Kind)
    case fail(TransportError.Kind)
  }

  private let state: Mutex<(steps: [Step], requests: [HTTPRequest])>

  init(_ steps: [Step]) {
    state = Mutex((steps, []))
  }

  var requests: [HTTPRequest] { state.withLock { $0.requests } }
  var remainingSteps: Int { state.withLock { $0.steps.count } }

  func execute(_ request: HTTPRequest, sink: HTTPResponseSink) async throws(TransportError) -> HTTPResponse {
    let step: Step? = state.withLock { state in
      state.requests.append(request)
      return state.steps.isEmpty ? nil : state.steps.removeFirst()
    }
    switch step {
    case nil:
      throw TransportError(.other, "script exhausted at \(request.method.rawValue) \(request.url)")
    case .fail(let kind):
      throw TransportError(kind, "scripted \(kind)")
    case .respond(let response):
      // As the real transport does: a body past the sink's limit is an error, not a response.
      if case .memory(let limit) = sink, response.isSuccess, response.body.count > limit {
        throw TransportError(.bodyTooLarge, "the answer is larger than \(limit) bytes")
      }
      return response
    case .stream(let chunks):
      guard case .stream(let handler) = sink else { throw TransportError(.other, "expected a stream sink") }
      for chunk in chunks { handler(Data(chunk.utf8)) }
      return HTTPResponse(status: 200, headers: ["Content-Type": "text/event-stream"])
    case .streamThenFail(let chunks, let kind):
      guard case .stream(let handler) = sink else { throw TransportError(.other, "expected a stream sink") }
      for chunk in chunks { handler(Data(chunk.utf8)) }
      throw TransportError(kind, "scripted \(kind) after \(chunks.count) chunks")
    }
  }
}

extension HTTPResponse {
  static func json(_ status: Int, _ body: String, headers: HTTPHeaders = [:]) -> HTTPResponse {
    var all = headers
    all.add("Content-Type", "application/json")
    return HTTPResponse(status: status, headers: all, body: Data(body.utf8))
  }
}

/// Records the delays the client asks for instead of sleeping.
final class SleepRecorder: Sendable {
  private let delays = Mutex<[Duration]>([])
  var recorded: [Duration] { delays.withLock { $0 } }
  var sleep: @Sendable (Duration) async throws -> Void {
    { duration in self.delays.withLock { $0.append(duration) } }
  }
}

extension SleepRecorder {
  /// A client on `transport` whose sleeps are recorded here instead of taken.
  func client(_ transport: ScriptedTransport, key: String = "k", retry: RetryPolicy = .default) -> FalQueueClient {
    FalQueueClient(
      transport: transport, endpoints: FalEndpoints(single: "http://q"), credentials: Credentials(key: key),
      retryPolicy: retry, sleep: sleep)
  }
}
