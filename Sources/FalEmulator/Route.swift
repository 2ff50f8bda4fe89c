import FalProtocol
import FlyingFox
import Foundation

/// What a request asks for, decided from its method, path and `Host` only, so that routing can be
/// tested without a server.
///
/// Queue, REST storage and CDN share one port. A `Host` that names a fal host (`queue.…`,
/// `rest.…`, `v3.…`/`*.fal.media`) limits the request to that service, so one TLS proxy can map
/// all three hosts onto the emulator; any other host (127.0.0.1, localhost) reaches every service,
/// told apart by path prefix: `/storage/…` (REST), `/files/…` (CDN and file downloads),
/// `/uploads/…` (signed upload URLs), everything else the queue. Apps owned by `storage`, `files`
/// or `uploads` are therefore shadowed, which no MAGI id is.
enum Route: Equatable {
  case submit(EndpointID, webhook: String?)
  /// `POST` on a run host (`fal.run`): fal's synchronous endpoint, answered with the result.
  case run(EndpointID)
  case status(app: String, requestID: String, logs: Bool)
  case stream(app: String, requestID: String, logs: Bool)
  case result(app: String, requestID: String)
  case cancel(app: String, requestID: String)
  case initiate(multipart: Bool)
  case cdnToken
  case uploadPut(token: String)
  case uploadPart(token: String, number: Int)
  case uploadComplete(token: String)
  case cdnUpload
  case cdnMultipartCreate
  case cdnPart(key: String, uploadID: String, number: Int)
  case cdnComplete(key: String, uploadID: String)
  case file(key: String, head: Bool)
  /// `GET /_emulator/metrics`: request counters and completion times for benchmarks. Outside the
  /// fal namespace, unauthenticated, never counted or faulted.
  case metrics
  /// The runtime control routes (`/_emulator/faults`, `/_emulator/reset`, `/_emulator/requests`):
  /// loopback only, outside the fal namespace, never counted, faulted or logged.
  case control(Control)
  case methodNotAllowed(RouteKind)
  case notFound

  enum Control: Equatable {
    case faults(method: String)
    case reset
    case requests
  }

  enum HostRole: Equatable {
    case any, queue, rest, cdn, run
  }

  /// fal's synchronous-run hosts; the twin's own list is ``EmulatorConfiguration/runHosts``.
  static let defaultRunHosts: Set<String> = ["fal.run", "falrun.com"]

  var kind: RouteKind {
    switch self {
    case .submit, .run: .submit
    case .status: .status
    case .stream: .stream
    case .result: .result
    case .cancel: .cancel
    case .initiate, .cdnToken, .uploadPut, .uploadPart, .uploadComplete, .cdnUpload, .cdnMultipartCreate, .cdnPart,
      .cdnComplete:
      .storage
    case .file: .file
    case .methodNotAllowed(let kind): kind
    case .metrics, .control, .notFound: .other
    }
  }

  /// What a runtime fault rule names this call by; nil for calls no rule can touch.
  var target: FaultTarget? {
    switch self {
    case .submit: .submit
    case .run: .run
    case .status: .status
    case .stream: .stream
    case .result: .result
    case .cancel: .cancel
    case .initiate: .uploadInitiate
    case .uploadPut, .uploadPart, .uploadComplete: .uploadPut
    case .cdnToken: .cdnToken
    case .cdnUpload, .cdnMultipartCreate, .cdnPart, .cdnComplete: .cdnUpload
    case .file: .file
    case .metrics, .control, .methodNotAllowed, .notFound: nil
    }
  }

  /// Whether the call needs `Authorization: Key|Bearer …` (signed upload URLs and files do not).
  var needsAuth: Bool {
    switch self {
    case .submit, .run, .status, .stream, .result, .cancel, .initiate, .cdnToken, .cdnUpload, .cdnMultipartCreate:
      true
    default: false
    }
  }

  static func role(ofHost host: String?, runHosts: Set<String> = defaultRunHosts) -> HostRole {
    guard var host = host?.lowercased(), !host.isEmpty else { return .any }
    if let colon = host.lastIndex(of: ":"), !host.hasSuffix("]") { host = String(host[..<colon]) }
    if runHosts.contains(host) { return .run }
    if host.hasPrefix("rest.") { return .rest }
    if host.hasPrefix("v3.") || host.hasPrefix("v3b.") || host.hasSuffix("fal.media") { return .cdn }
    if host.hasPrefix("queue.") { return .queue }
    return .any
  }

  static func segments(ofPath path: String) -> [String] {
    path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
  }

  static func classify(_ request: HTTPRequest, runHosts: Set<String> = defaultRunHosts) -> Route {
    classify(
      method: request.method.rawValue, path: request.path, host: request.headers[.host], runHosts: runHosts,
      query: { request.query[$0] })
  }

  static func classify(
    method: String, path: String, host: String?, runHosts: Set<String> = defaultRunHosts,
    query: (String) -> String?
  ) -> Route {
    let segments = segments(ofPath: path)
    let role = role(ofHost: host, runHosts: runHosts)
    let method = method.uppercased()
    if role == .run {
      // fal.run serves apps only: `POST /[ns/]owner/alias[/path]`.
      guard let endpoint = try? EndpointID(parsing: segments.joined(separator: "/")), segments.count >= 2 else {
        return .notFound
      }
      return method == "POST" ? .run(endpoint) : .methodNotAllowed(.submit)
    }
    guard let first = segments.first else { return .notFound }

    switch first {
    case "_emulator" where role == .any:
      switch (segments.dropFirst().joined(separator: "/"), method) {
      case ("metrics", "GET"): return .metrics
      case ("faults", "GET"), ("faults", "POST"), ("faults", "DELETE"): return .control(.faults(method: method))
      case ("reset", "POST"): return .control(.reset)
      case ("requests", "GET"): return .control(.requests)
      case ("metrics", _), ("faults", _), ("reset", _), ("requests", _): return .methodNotAllowed(.other)
      default: return .notFound
      }

    case "storage" where role == .any || role == .rest:
      let rest = segments.dropFirst().joined(separator: "/")
      let route: Route? =
        switch rest {
        case "upload/initiate": .initiate(multipart: false)
        case "upload/initiate-multipart": .initiate(multipart: true)
        case "auth/token": .cdnToken
        default: nil
        }
      guard let route else { return .notFound }
      return method == "POST" ? route : .methodNotAllowed(.storage)

    case "uploads" where segments.count >= 2:
      let token = segments[1]
      switch (method, segments.count) {
      case ("PUT", 2): return .uploadPut(token: token)
      case ("POST", 3) where segments[2] == "complete": return .uploadComplete(token: token)
      case ("PUT", 3):
        guard let number = Int(segments[2]), number > 0 else { return .notFound }
        return .uploadPart(token: token, number: number)
      default: return .methodNotAllowed(.storage)
      }

    case "files" where role == .any || role == .cdn:
      if segments.count >= 2, segments[1] == "upload" {
        if segments.count == 2 { return method == "POST" ? .cdnUpload : .methodNotAllowed(.storage) }
        if segments.count == 3, segments[2] == "multipart" {
          return method == "POST" ? .cdnMultipartCreate : .methodNotAllowed(.storage)
        }
        return .notFound
      }
      // /files/<key>/<name>/multipart/<uploadId>/<n | complete>
      if segments.count == 6, segments[3] == "multipart" {
        let key = segments[1]
        let uploadID = segments[4]
        if segments[5] == "complete" {
          return method == "POST" ? .cdnComplete(key: key, uploadID: uploadID) : .methodNotAllowed(.storage)
        }
        guard let number = Int(segments[5]), number > 0 else { return .notFound }
        return method == "PUT" ? .cdnPart(key: key, uploadID: uploadID, number: number) : .methodNotAllowed(.storage)
      }
      guard segments.count >= 2 else { return .notFound }
      switch method {
      case "GET": return .file(key: segments[1], head: false)
      case "HEAD": return .file(key: segments[1], head: true)
      default: return .methodNotAllowed(.file)
      }

    default:
      guard role == .any || role == .queue else { return .notFound }
      return classifyQueue(method: method, segments: segments, query: query)
    }
  }

  private static func classifyQueue(method: String, segments: [String], query: (String) -> String?) -> Route {
    if let index = segments.firstIndex(of: "requests"), index >= 2, index + 1 < segments.count,
      let endpoint = try? EndpointID(parsing: segments[..<index].joined(separator: "/"))
    {
      // Sub-path forms (`owner/alias/path/requests/…`) are accepted: only `[ns/]owner/alias` counts.
      let app = endpoint.app
      let requestID = segments[index + 1]
      let tail = Array(segments[(index + 2)...])
      let logs = parseFlag(query("logs"))
      switch tail {
      case []: return method == "GET" ? .result(app: app, requestID: requestID) : .methodNotAllowed(.result)
      case ["status"]:
        return method == "GET" ? .status(app: app, requestID: requestID, logs: logs) : .methodNotAllowed(.status)
      case ["status", "stream"]:
        return method == "GET" ? .stream(app: app, requestID: requestID, logs: logs) : .methodNotAllowed(.stream)
      case ["cancel"]:
        return method == "PUT" ? .cancel(app: app, requestID: requestID) : .methodNotAllowed(.cancel)
      default: return .notFound
      }
    }
    guard method == "POST", segments.count >= 2,
      let endpoint = try? EndpointID(parsing: segments.joined(separator: "/"))
    else { return .notFound }
    let webhook = query("fal_webhook").flatMap { $0.isEmpty ? nil : $0 }
    return .submit(endpoint, webhook: webhook)
  }

  /// `logs=1|true` (JS sends 1/0, Python true/false, the docs 1/0).
  static func parseFlag(_ value: String?) -> Bool {
    guard let value = value?.lowercased() else { return false }
    return ["1", "true", "yes", "on"].contains(value)
  }
}
