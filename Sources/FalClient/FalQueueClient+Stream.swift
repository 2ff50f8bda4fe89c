import FalProtocol
import Synchronization

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

extension FalQueueClient {
  /// Opens one status stream (server-sent events) and yields each status object as it arrives.
  ///
  /// The stream ends after fal's COMPLETED event, or when the server closes the connection; it throws
  /// when the connection fails or an event is not a status object. It does not reconnect: that is
  /// ``follow(_:requestID:)``'s job.
  ///
  /// - Parameter silenceLimit: fal sends a keep-alive comment every few seconds; a stream that moves
  ///   no byte for this long is dead and fails with a `.timedOut` transport error.
  public func statusStream(
    _ endpoint: EndpointID, requestID: String, logs: Bool = true, silenceLimit: Duration = .seconds(20)
  ) -> AsyncThrowingStream<QueueStatus, any Error> {
    let (stream, continuation) = AsyncThrowingStream<QueueStatus, any Error>.makeStream()
    var request = HTTPRequest(
      method: .get, url: requestURL(endpoint, requestID, suffix: "/status/stream?logs=\(logs ? 1 : 0)"),
      headers: headers(),
      timeouts: HTTPTimeouts(connect: .seconds(10), idle: silenceLimit, total: nil))
    request.headers.set("Accept", "text/event-stream")
    let decoder = StreamDecoder(continuation: continuation, redactor: redactor)
    let task = Task {
      do throws(TransportError) {
        let response = redactor.redact(try await transport.execute(request, sink: .stream { decoder.feed($0) }))
        guard response.isSuccess else {
          continuation.finish(throwing: error(from: response))
          return
        }
        continuation.finish()
      } catch {
        continuation.finish(
          throwing: error.kind == .cancelled
            ? FalClientError.cancelled
            : FalClientError.transport(TransportError(error.kind, redactor.redact(error.message))))
      }
    }
    continuation.onTermination = { _ in task.cancel() }
    return stream
  }
}

/// Parses SSE chunks on the network thread and forwards status events, each redacted whole (a key
/// may be split across chunks, never across events).
private final class StreamDecoder: Sendable {
  private let parser = Mutex(ServerSentEventParser())
  private let continuation: AsyncThrowingStream<QueueStatus, any Error>.Continuation
  private let redactor: Redactor

  init(continuation: AsyncThrowingStream<QueueStatus, any Error>.Continuation, redactor: Redactor) {
    self.continuation = continuation
    self.redactor = redactor
  }

  func feed(_ chunk: Data) {
    let (events, overflowed) = parser.withLock { parser in (parser.feed(chunk), parser.overflowed) }
    if overflowed {
      // Finishing ends the consumer's loop, whose termination cancels the transfer.
      continuation.finish(
        throwing: FalClientError.transport(
          TransportError(
            .bodyTooLarge,
            "a status stream event is longer than \(ServerSentEventParser.defaultMaxEventBytes >> 20) MiB; the stream is treated as broken"
          )))
      return
    }
    for event in events where event.event == "message" {
      do {
        continuation.yield(try JSONDecoder().decode(QueueStatus.self, from: Data(redactor.redact(event.data).utf8)))
      } catch {
        continuation.finish(
          throwing: FalClientError.malformedResponse("a status stream event is not a status object"))
      }
    }
  }
}
