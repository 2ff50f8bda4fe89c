import FlyingFox
import Foundation

/// One FlyingFox server on 127.0.0.1 shared by the tests that need well-formed HTTP exchanges.
///
/// Routes echo what they received into response headers (`X-Echo-*`), so a test can check both
/// directions of a header in one exchange.
enum FoxFixture {
  private static let base = Task<String, any Error> { try await start() }

  /// `http://127.0.0.1:<port><path>` on the running server.
  static func url(_ path: String) async throws -> String {
    try await base.value + path
  }

  private static func start() async throws -> String {
    // A generous handler timeout: on a loaded 2-core machine a 1.5 MB echo can take longer than
    // FlyingFox's default 15 s, which then answers 500 instead of the echo.
    let server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: 0), timeout: 300, logger: .disabled)
    await addRoutes(server)
    Task { try await server.run() }
    try await server.waitUntilListening()
    guard case .ip4(_, let port) = await server.listeningAddress else {
      throw POSIXError(.EADDRNOTAVAIL)
    }
    return "http://127.0.0.1:\(port)"
  }

  private static func echoHeaders(_ request: HTTPRequest) -> HTTPHeaders {
    var headers: HTTPHeaders = [:]
    headers[HTTPHeader("X-Reply")] = "from-server"
    headers[HTTPHeader("X-Method")] = request.method.rawValue
    headers[HTTPHeader("X-Echo-Custom")] = request.headers[HTTPHeader("X-Custom")] ?? "none"
    headers[HTTPHeader("X-Echo-Expect")] = request.headers[HTTPHeader("Expect")] ?? "none"
    headers[HTTPHeader("X-Echo-Content-Type")] =
      request.headers[HTTPHeader("Content-Type")] ?? "none"
    return headers
  }

  private static func addRoutes(_ server: HTTPServer) async {
    await server.appendRoute("GET /hello") { request in
      HTTPResponse(statusCode: .ok, headers: echoHeaders(request), body: Data("hello".utf8))
    }
    await server.appendRoute(HTTPRoute(methods: [.POST, .PUT, .DELETE, .GET], path: "/echo")) {
      request in
      let body = try await request.bodyData
      var headers = echoHeaders(request)
      headers[HTTPHeader("X-Body-Length")] = String(body.count)
      return HTTPResponse(statusCode: .ok, headers: headers, body: body)
    }
    await server.appendRoute("HEAD /head") { request in
      HTTPResponse(statusCode: .ok, headers: echoHeaders(request))
    }
    await server.appendRoute("DELETE /thing") { request in
      HTTPResponse(statusCode: .noContent, headers: echoHeaders(request))
    }
    await server.appendRoute("GET /status/*") { request in
      let code = Int(request.path.split(separator: "/").last ?? "") ?? 500
      return HTTPResponse(
        statusCode: HTTPStatusCode(code, phrase: "Test"),
        headers: [.contentType: "application/json"],
        body: Data(#"{"detail":"error body for \#(code)"}"#.utf8))
    }
    await server.appendRoute("GET /big") { _ in
      HTTPResponse(statusCode: .ok, body: Data(repeating: UInt8(ascii: "b"), count: 1000))
    }
    await server.appendRoute("GET /huge-error") { _ in
      HTTPResponse(
        statusCode: .internalServerError, body: Data(repeating: UInt8(ascii: "e"), count: 3 << 20))
    }
    await server.appendRoute("GET /full") { _ in
      HTTPResponse(statusCode: .ok, body: Data("FULL".utf8))
    }
    await server.appendRoute("GET /partial") { _ in
      HTTPResponse(statusCode: .partialContent, headers: [.contentRange: "bytes 4-8/9"], body: Data("-TAIL".utf8))
    }
    await server.appendRoute("GET /empty") { _ in
      HTTPResponse(statusCode: .ok)
    }
    await server.appendRoute("GET /redirect") { _ in
      HTTPResponse(statusCode: .found, headers: [.location: "/hello"], body: Data("moved".utf8))
    }
    await server.appendRoute("GET /n/*") { request in
      HTTPResponse(
        statusCode: .ok, body: Data("n=\(request.path.split(separator: "/").last ?? "")".utf8))
    }
  }
}
