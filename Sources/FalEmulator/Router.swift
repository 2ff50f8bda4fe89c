import FalProtocol
import FlyingFox
import Foundation

/// The emulator's single FlyingFox handler: counts and logs the request, applies faults, checks
/// auth and hands the request to the queue, storage or file routes.
struct Router: HTTPHandler {
  let queue: QueueModel
  let storage: StorageService
  let faults: FaultInjector
  let metrics: RequestMetrics
  let requestLog: RequestLog
  let baseURL: SharedBaseURL
  /// Set when ``EmulatorConfiguration/publicBaseURL`` is: every URL starts with it, whatever host
  /// the request named.
  let fixedBaseURL: Bool
  let runHosts: Set<String>
  let cdnHost: String
  let expectedKey: String?
  let keepAliveInterval: Duration
  let statusLogWindow: Int?
  let clock: EmulatorClock

  func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
    let route = Route.classify(request, runHosts: runHosts)
    if route == .metrics { return await metricsReport() }
    if case .control(let control) = route { return await self.control(control, request) }
    var applied: Fault?
    var response = try await answer(request, route: route, origin: origin(of: request), applied: &applied)
    if await faults.echoesRequestHeaders { response = await FaultHeaderEcho.apply(to: response, request: request) }
    let dropped: Bool
    if case .webSocket = response.payload { dropped = true } else { dropped = false }
    requestLog.append(
      RequestLog.Entry(
        method: request.method.rawValue, path: request.path,
        query: request.query.map { "\($0.name)=\($0.value)" }.joined(separator: "&"),
        host: request.headers[.host] ?? "", status: dropped ? 0 : response.statusCode.code,
        authorization: RequestLog.mask(request.headers[.authorization]),
        fault: applied.flatMap { FaultRule(target: route.target ?? .submit, fault: $0).body?.action }))
    return response
  }

  /// Where the request was addressed, for the URLs answered to it.
  func origin(of request: HTTPRequest) -> RequestOrigin {
    let current = baseURL.current
    guard !fixedBaseURL else { return RequestOrigin(base: current) }
    return RequestOrigin.of(
      headers: { request.headers[HTTPHeader($0)] }, fallback: current, cdnHost: cdnHost,
      isFalHost: { Route.role(ofHost: $0, runHosts: runHosts) != .any })
  }

  private func answer(_ request: HTTPRequest, route: Route, origin: RequestOrigin, applied: inout Fault?)
    async throws -> HTTPResponse
  {
    await metrics.record(route.kind)
    let latency = await faults.latency
    if latency > .zero { try? await clock.sleep(latency) }
    var streamFault: Fault?
    var afterFault: Fault?
    var billableUnits = await faults.billableUnitsHeader
    if route.kind != .other, let fault = await faults.nextFault(for: route.kind, target: route.target) {
      applied = fault
      if route.kind == .stream, Self.isStreamFault(fault) {
        streamFault = fault
      } else if case .billableUnitsHeader(let text) = fault {
        billableUnits = text
      } else if Self.isAfterFault(fault) {
        afterFault = fault
      } else if let response = await apply(fault, to: request, kind: route.kind) {
        return response
      }
    }
    if route.needsAuth, let refusal = await checkAuth(request) {
      await BodyWriter.discard(request.bodySequence)
      return refusal
    }
    let response = await answer(
      request, route: route, origin: origin, streamFault: streamFault, afterFault: afterFault,
      billableUnits: billableUnits)
    // The work is done (a job queued, a file stored, a cancel applied); only the reply is lost.
    return afterFault == .acceptThenDrop ? ConnectionDropper.response : response
  }

  private func answer(
    _ request: HTTPRequest, route: Route, origin: RequestOrigin, streamFault: Fault?, afterFault: Fault?,
    billableUnits: String?
  ) async -> HTTPResponse {
    switch route {
    case .submit(let endpoint, let webhook):
      var ending: JobFailure?
      if case .jobEndsWith(let type)? = afterFault { ending = .ending(errorType: type) }
      return await submit(request, endpoint: endpoint, webhook: webhook, origin: origin, ending: ending)
    case .run(let endpoint):
      return await run(request, endpoint: endpoint, origin: origin, billableUnitsHeader: billableUnits)
    case .status(let app, let requestID, let logs):
      return await status(app: app, requestID: requestID, logs: logs, origin: origin)
    case .stream(let app, let requestID, let logs):
      return await stream(app: app, requestID: requestID, logs: logs, fault: streamFault, origin: origin)
    case .result(let app, let requestID):
      return await result(app: app, requestID: requestID, origin: origin, billableUnitsHeader: billableUnits)
    case .cancel(let app, let requestID):
      if case .cancelEndsWith(let type, let status)? = afterFault {
        return await cancel(app: app, requestID: requestID, ending: .cancelled(errorType: type, status: status))
      }
      return await cancel(app: app, requestID: requestID)
    case .initiate(let multipart):
      return await initiate(request, multipart: multipart, origin: origin)
    case .cdnToken:
      return await cdnToken(request, origin: origin)
    case .uploadPut(let token):
      return await uploadPut(request, token: token, origin: origin)
    case .uploadPart(let token, let number):
      return await uploadPart(request, token: token, number: number)
    case .uploadComplete(let token):
      return await uploadComplete(request, token: token, origin: origin)
    case .cdnUpload:
      return await cdnUpload(request, origin: origin)
    case .cdnMultipartCreate:
      return await cdnMultipartCreate(request, origin: origin)
    case .cdnPart(let key, let uploadID, let number):
      return await cdnPart(request, key: key, uploadID: uploadID, number: number)
    case .cdnComplete(let key, let uploadID):
      return await cdnComplete(request, key: key, uploadID: uploadID, origin: origin)
    case .file(let key, let head):
      if case .cutBody(let count) = afterFault {
        return await serveFile(request, key: key, head: head, cutAfter: count)
      }
      return await serveFile(request, key: key, head: head)
    case .metrics:
      return await metricsReport()
    case .control(let control):
      return await self.control(control, request)
    case .methodNotAllowed:
      await BodyWriter.discard(request.bodySequence)
      return Responses.detail(405, "Method Not Allowed")
    case .notFound:
      await BodyWriter.discard(request.bodySequence)
      return Responses.notFound()
    }
  }

  // MARK: - Auth

  /// fal's 401 for a missing or unknown key. Accepts `Key …` and `Bearer …` (Python's fallback and
  /// the CDN token); with ``EmulatorConfiguration/expectedKey`` only that key or an issued token.
  func checkAuth(_ request: HTTPRequest) async -> HTTPResponse? {
    let header = request.headers[.authorization]?.trimmingCharacters(in: .whitespaces) ?? ""
    let parts = header.split(separator: " ", maxSplits: 1).map(String.init)
    guard parts.count == 2, ["key", "bearer"].contains(parts[0].lowercased()),
      !parts[1].trimmingCharacters(in: .whitespaces).isEmpty
    else {
      return Responses.detail(401, Responses.unauthorized)
    }
    guard let expectedKey else { return nil }
    let credential = parts[1].trimmingCharacters(in: .whitespaces)
    if Self.sameSecret(credential, expectedKey) { return nil }
    if parts[0].lowercased() == "bearer", await storage.isIssuedToken(credential) { return nil }
    return Responses.detail(401, Responses.unauthorized)
  }

  /// Compares without stopping at the first difference, so that the answer's timing says nothing
  /// about how much of a guessed key was right (the embedded twin guards a shared machine's loopback).
  static func sameSecret(_ given: String, _ expected: String) -> Bool {
    let a = Array(given.utf8)
    let b = Array(expected.utf8)
    var difference = UInt8(a.count == b.count ? 0 : 1)
    for index in 0..<b.count {
      difference |= (index < a.count ? a[index] : 0) ^ b[index]
    }
    return difference == 0
  }

  // MARK: - Faults

  private static func isStreamFault(_ fault: Fault) -> Bool {
    switch fault {
    case .dropStream, .malformedBody, .silentStream, .endlessLine, .endlessLogs: true
    default: false
    }
  }

  /// Faults that let the route do its work and change only what follows (the reply, the job's end).
  private static func isAfterFault(_ fault: Fault) -> Bool {
    switch fault {
    case .acceptThenDrop, .cancelEndsWith, .cutBody, .jobEndsWith: true
    default: false
    }
  }

  /// The response a fault replaces the normal answer with, or nil to answer normally (latency).
  private func apply(_ fault: Fault, to request: HTTPRequest, kind: RouteKind) async -> HTTPResponse? {
    switch fault {
    case .latency(let duration):
      try? await clock.sleep(duration)
      return nil
    case .dropConnection, .dropStream, .endlessLine, .endlessLogs:
      return ConnectionDropper.response
    default:
      break
    }
    await BodyWriter.discard(request.bodySequence)
    switch fault {
    case .status(let code):
      let (detail, type) = Self.platformError(code)
      return Responses.detail(code, detail, errorType: type)
    case .ingress(let code):
      return Responses.ingress(code)
    case .rateLimited(let retryAfter):
      var response = Responses.detail(429, "Too many requests: concurrency limit reached", errorType: "rate_limited")
      response.headers[HTTPHeader("Retry-After")] = String(retryAfter)
      return response
    case .startTimeout:
      var response = Responses.detail(504, "Request timed out before it started", errorType: "startup_timeout")
      response.headers[HTTPHeader(FalHeader.requestTimeoutType)] = "user"
      return response
    case .malformedBody:
      return Responses.json(200, Data("{\"status\": \"IN_QUEUE\", \"request_id\": ".utf8))
    case .silentStream:
      // The head of a JSON answer, then nothing until the client gives up.
      return HTTPResponse(
        statusCode: .ok, headers: [.contentType: Responses.jsonType], body: HTTPBodySequence(from: SilentBody()))
    case .endlessBody:
      return HTTPResponse(
        statusCode: .ok, headers: [.contentType: "video/mp4"], body: HTTPBodySequence(from: ZeroBytes(count: nil)))
    case .oversizedBody(let bytes):
      return HTTPResponse(
        statusCode: .ok, headers: [.contentType: "video/mp4"],
        body: HTTPBodySequence(from: ZeroBytes(count: bytes), count: bytes))
    case .latency, .dropConnection, .dropStream, .acceptThenDrop, .cancelEndsWith, .billableUnitsHeader,
      .endlessLine, .endlessLogs, .cutBody, .jobEndsWith:
      return nil
    }
  }

  static func platformError(_ code: Int) -> (detail: String, type: String) {
    switch code {
    case 500: ("Internal Server Error", "internal_error")
    case 502: ("Runner disconnected", "runner_disconnected")
    case 503: ("Runner scheduling failure", "runner_scheduling_failure")
    case 504: ("Request timed out", "request_timeout")
    default: (Responses.code(code).phrase, "platform_error")
    }
  }
}
