import FalClient
import Foundation
import TestSupport
import Testing

@testable import CurlTransport

/// Network failures map to the kinds the client's retry policy needs, with safe messages.
@Suite struct CurlTransportFailureTests {
  let transport = Shared.transport
  static let apiKey = "Key fal-secret-1234567890abcdef"

  /// Nothing listening means the request was never sent: `.cannotConnect`.
  @Test func refusedConnectionIsCannotConnect() async throws {
    let port = try ScriptedServer.refusedPort()
    let result = await perform(
      HTTPRequest(method: .post, url: "http://127.0.0.1:\(port)/x", body: .data(Data("{}".utf8))))
    #expect(result.failure?.kind == .cannotConnect)
    #expect(result.failure?.requestNeverSent == true)
    #expect(result.failure?.message.contains("127.0.0.1:\(port)") == true)
  }

  /// A connection that breaks after the request was sent is `.connectionLost` (the server may have
  /// acted), whether it dies mid-body or before any response.
  @Test(arguments: ["mid-body", "no-response"])
  func brokenConnectionIsConnectionLost(mode: String) async throws {
    let server = try ScriptedServer { connection in
      _ = connection.readHead()
      if mode == "mid-body" {
        connection.send("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly ten b")
      }
    }
    let result = await perform(HTTPRequest(method: .get, url: server.url))
    #expect(result.failure?.kind == .connectionLost)
  }

  /// A stream that goes silent trips the idle timeout: `.timedOut`, well before any hang guard.
  @Test func stalledServerTripsIdleTimeout() async throws {
    let release = Gate()
    defer { release.open() }
    let server = try ScriptedServer { connection in
      _ = connection.readHead()
      connection.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
      connection.sendChunk("data: hello\n\n")
      _ = release.wait(seconds: 30)
    }
    let start = ContinuousClock.now
    let result = await perform(
      HTTPRequest(method: .get, url: server.url, timeouts: HTTPTimeouts(idle: .seconds(1))),
      sink: .stream { _ in })
    #expect(result.failure?.kind == .timedOut)
    #expect(ContinuousClock.now - start < .seconds(15))
  }

  /// The total limit ends an exchange that keeps trickling or stalls: `.timedOut`.
  @Test func totalTimeoutFires() async throws {
    let release = Gate()
    defer { release.open() }
    let server = try ScriptedServer { connection in
      _ = connection.readHead()
      _ = release.wait(seconds: 30)
    }
    let result = await perform(
      HTTPRequest(
        method: .get, url: server.url, timeouts: HTTPTimeouts(idle: nil, total: .milliseconds(300)))
    )
    #expect(result.failure?.kind == .timedOut)
  }

  /// The API key in the Authorization header never appears in an error message, whatever failed.
  @Test func errorMessagesNeverContainTheAuthorizationHeader() async throws {
    let headers: HTTPHeaders = ["Authorization": Self.apiKey]
    let secret = "fal-secret-1234567890abcdef"
    var messages: [String] = []

    let port = try ScriptedServer.refusedPort()
    let refused = await perform(
      HTTPRequest(method: .get, url: "http://127.0.0.1:\(port)/", headers: headers))
    messages.append(try #require(refused.failure).message)

    let release = Gate()
    defer { release.open() }
    let stall = try ScriptedServer { connection in
      _ = connection.readHead()
      _ = release.wait(seconds: 30)
    }
    let timedOut = await perform(
      HTTPRequest(
        method: .get, url: stall.url, headers: headers,
        timeouts: HTTPTimeouts(total: .milliseconds(200))))
    messages.append(try #require(timedOut.failure).message)

    let tooLarge = await perform(
      HTTPRequest(method: .get, url: try await FoxFixture.url("/big"), headers: headers),
      sink: .memory(limit: 1))
    messages.append(try #require(tooLarge.failure).message)

    let badHeader = await perform(
      HTTPRequest(
        method: .get, url: stall.url, headers: ["Authorization": Self.apiKey + "\r\nX-Injected: 1"])
    )
    #expect(badHeader.failure?.kind == .invalidRequest)
    messages.append(try #require(badHeader.failure).message)

    for message in messages {
      #expect(!message.contains(secret), "leaked: \(message)")
      #expect(!message.contains("Authorization: "), "leaked: \(message)")
    }
  }

  /// Only http and https are spoken; anything else is the caller's mistake.
  @Test func unsupportedSchemeIsInvalidRequest() async throws {
    let result = await perform(HTTPRequest(method: .get, url: "ftp://127.0.0.1/file"))
    #expect(result.failure?.kind == .invalidRequest)
    let file = await perform(HTTPRequest(method: .get, url: "file:///etc/passwd"))
    #expect(file.failure?.kind == .invalidRequest)
  }

  /// The curl-code table the retry policy depends on (numeric codes are part of curl's stable ABI).
  @Test func curlCodesMapToTransportKinds() {
    #expect(TransportError.kind(ofCurlCode: 7) == .cannotConnect)
    #expect(TransportError.kind(ofCurlCode: 6) == .cannotConnect)
    #expect(TransportError.kind(ofCurlCode: 5) == .cannotConnect)
    #expect(TransportError.kind(ofCurlCode: 28) == .timedOut)
    #expect(TransportError.kind(ofCurlCode: 55) == .connectionLost)
    #expect(TransportError.kind(ofCurlCode: 56) == .connectionLost)
    #expect(TransportError.kind(ofCurlCode: 52) == .connectionLost)
    #expect(TransportError.kind(ofCurlCode: 18) == .connectionLost)
    #expect(TransportError.kind(ofCurlCode: 92) == .connectionLost)
    #expect(TransportError.kind(ofCurlCode: 35) == .tls)
    #expect(TransportError.kind(ofCurlCode: 60) == .tls)
    #expect(TransportError.kind(ofCurlCode: 3) == .invalidRequest)
    #expect(TransportError.kind(ofCurlCode: 1) == .invalidRequest)
    #expect(TransportError.kind(ofCurlCode: 27) == .other)
  }

  /// Messages name the host only: never user info, path or query, which can carry tokens.
  @Test func hostDescriptionDropsEverythingButHostAndPort() {
    #expect(
      TransportError.hostDescription(of: "https://user:pw@queue.fal.run:8443/a/b?key=x#f")
        == "queue.fal.run:8443")
    #expect(TransportError.hostDescription(of: "http://127.0.0.1/x") == "127.0.0.1")
    #expect(
      TransportError.hostDescription(of: "https://rest.alpha.fal.ai?token=1") == "rest.alpha.fal.ai"
    )
  }
}
