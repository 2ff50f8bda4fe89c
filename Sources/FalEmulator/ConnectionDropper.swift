import FlyingFox

/// Makes FlyingFox close a connection without writing a single byte (the `dropConnection` fault).
///
/// FlyingFox has no public "abort" for a handler. For a WebSocket payload it asks the handler for
/// its frames *before* writing the response head; when that throws, the connection is closed with
/// nothing sent, which is exactly a connection dropped by a proxy.
struct ConnectionDropper: WSHandler {
  struct Dropped: Error {}

  func makeFrames(for client: AsyncThrowingStream<WSFrame, any Error>) async throws -> AsyncStream<WSFrame> {
    throw Dropped()
  }

  static var response: HTTPResponse {
    HTTPResponse(webSocket: ConnectionDropper())
  }
}
