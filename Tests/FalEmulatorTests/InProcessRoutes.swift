import FalProtocol
import FlyingFox
import Foundation
import Synchronization

@testable import FalEmulator

/// Route tests without a socket or a child per request: `Curl.request` to an emulator started by
/// `withEmulator` hands the request to its router in this process. What only the wire shows (dropped
/// connections, cut bodies, curl's own options) stays with curl: fault and key-exposure tests, and
/// any request with `extra` curl arguments, go over a real socket.
enum InProcessRoutes {
  struct NotStarted: Error {}

  private static let emulators = Mutex<[String: FalEmulator]>([:])

  /// Sends requests to `base` through `emulator`'s router until `remove(base)`.
  static func add(_ emulator: FalEmulator, at base: String) { emulators.withLock { $0[base] = emulator } }

  static func remove(_ base: String) { _ = emulators.withLock { $0.removeValue(forKey: base) } }

  /// The emulator that answers `url` in process, and the request target (path and query) on it.
  static func route(_ url: String) -> (FalEmulator, target: String)? {
    emulators.withLock { emulators in
      for (base, emulator) in emulators where url.hasPrefix(base) {
        let target = String(url.dropFirst(base.count))
        guard target.isEmpty || target.hasPrefix("/") else { continue }
        return (emulator, target.isEmpty ? "/" : target)
      }
      return nil
    }
  }

  /// One exchange with the router, as curl would make it: the same request headers, the response's
  /// framing header, and the whole body (an exchange the server would cut reads as curl's 18).
  static func request(
    _ emulator: FalEmulator, method: String, target: String, headers: [String: String], body: Data?
  ) async throws -> CurlResponse {
    guard let router = await emulator.router else { throw NotStarted() }
    var fields: [HTTPHeader: String] = [
      HTTPHeader("Host"): await emulator.baseURL.map { String($0.dropFirst("http://".count)) } ?? "127.0.0.1",
      HTTPHeader("User-Agent"): "curl (in process)", HTTPHeader("Accept"): "*/*",
    ]
    if let body {
      fields[HTTPHeader("Content-Length")] = String(body.count)
      fields[HTTPHeader("Content-Type")] = "application/x-www-form-urlencoded"
    }
    for (name, value) in headers where !value.isEmpty { fields[HTTPHeader(name)] = value }
    // Raw, percent-encoded, as it would come off the wire.
    let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
    let request = HTTPRequest(
      method: HTTPMethod(method), version: .http11,
      target: HTTPRequest.Target(path: String(parts[0]), query: parts.count > 1 ? String(parts[1]) : ""),
      headers: HTTPHeaders(fields),
      body: HTTPBodySequence(data: body ?? Data()))
    let response = try await router.handleRequest(request)
    guard case .httpBody(let sequence) = response.payload else {
      // A WebSocket payload is how the emulator closes a connection unanswered: curl's empty reply.
      return CurlResponse(exitCode: 52, status: 0, headers: [:], body: Data())
    }
    var parsed: [String: String] = [:]
    for (name, value) in response.headers {
      let key = name.rawValue.lowercased()
      parsed[key] = parsed[key].map { $0 + ", " + value } ?? value
    }
    if let count = sequence.count {
      parsed["content-length"] = parsed["content-length"] ?? String(count)
    } else {
      parsed["transfer-encoding"] = "chunked"
    }
    let data: Data
    do { data = try await response.bodyData } catch {
      return CurlResponse(exitCode: 18, status: response.statusCode.code, headers: parsed, body: Data())
    }
    return CurlResponse(exitCode: 0, status: response.statusCode.code, headers: parsed, body: data)
  }
}
