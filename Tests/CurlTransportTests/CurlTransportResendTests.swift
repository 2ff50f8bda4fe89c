import FalClient
import Foundation
import TestSupport
import Testing

@testable import CurlTransport

/// A request that must not repeat (a submit: a second one is a second billed job) goes out once,
/// whatever happens to the connection it travels on.
@Suite struct CurlTransportResendTests {
  /// A server that answers GETs on a kept-alive connection, and takes a POST's whole body, counts
  /// it, then closes the connection without a reply: a proxy or flaky link losing the answer.
  struct LosingServer {
    let server: ScriptedServer
    let posts = Recorder<String>()

    init() throws {
      let posts = self.posts
      server = try ScriptedServer { connection in
        while let head = connection.readHead() {
          if head.hasPrefix("POST") {
            posts.append(
              String(decoding: connection.readBody(ScriptedConnection.contentLength(in: head)), as: UTF8.self))
            return
          }
          connection.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        }
      }
    }

    /// Two GETs, so the connection they share sits in curl's pool, then a POST that would reuse it.
    func exchange(postIsIdempotent: Bool) async -> Result<HTTPResponse, TransportError> {
      for _ in 0..<2 {
        _ = await perform(HTTPRequest(method: .get, url: server.url + "/status"))
      }
      return await perform(
        HTTPRequest(
          method: .post, url: server.url + "/submit", body: .data(Data(#"{"prompt":"fox"}"#.utf8)),
          isIdempotent: postIsIdempotent))
    }
  }

  /// The premise: curl itself resends a request whose reused connection died before any answer.
  /// (If a libcurl ever stops doing so, this fails and the guard below may be revisited.)
  @Test func curlResendsAnIdempotentRequestWhenItsReusedConnectionDies() async throws {
    let losing = try LosingServer()
    _ = await losing.exchange(postIsIdempotent: true)
    #expect(losing.posts.items.count == 2, "curl's own retry on a fresh connection")
  }

  /// A non-idempotent POST reaches the server exactly once and fails as `.connectionLost`: the
  /// caller learns the outcome is unknown instead of getting a silent second job.
  @Test func aRequestThatMustNotRepeatIsSentOnceWhenItsReplyIsLost() async throws {
    let losing = try LosingServer()
    let result = await losing.exchange(postIsIdempotent: false)
    #expect(losing.server.connectionsAccepted == 2, "the GETs shared one connection; the POST had its own")
    #expect(losing.posts.items == [#"{"prompt":"fox"}"#], "the server took the POST exactly once")
    #expect(result.failure?.kind == .connectionLost)
    #expect(result.failure?.requestNeverSent == false)
  }

  /// A request that must not repeat whose connection was never made (here a TLS handshake the
  /// server never answers) was surely not sent: `.cannotConnect`, so a submit may be retried.
  @Test func aRequestWhoseConnectionNeverCameUpWasNotSent() async throws {
    let release = Gate()
    defer { release.open() }
    let server = try ScriptedServer { _ in _ = release.wait(seconds: 30) }
    let result = await perform(
      HTTPRequest(
        method: .post, url: "https://127.0.0.1:\(server.port)/submit", body: .data(Data("{}".utf8)),
        timeouts: HTTPTimeouts(connect: .milliseconds(300)), isIdempotent: false))
    #expect(result.failure?.kind == .cannotConnect, "\(String(describing: result.failure))")
    #expect(result.failure?.requestNeverSent == true)
  }
}
