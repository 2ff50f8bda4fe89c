import FalProtocol
import FlyingFox
import Foundation

/// The runtime control routes, so a test sets faults and reads what a client sent without
/// restarting the twin:
///
/// - `GET /_emulator/faults`: the active rules; `POST` adds one rule or an array of them (see
///   ``FaultRule/Body``), `DELETE` removes them all.
/// - `POST /_emulator/reset`: no rules or scripted faults, the start-up rates, empty counters and log.
/// - `GET /_emulator/requests`: the request log, oldest first (`?since=N` skips the first N).
///
/// Only loopback peers are served, and, when the twin expects a key, only with that key: the log
/// names file URLs, which are the only secret a file has.
extension Router {
  func control(_ control: Route.Control, _ request: HTTPRequest) async -> HTTPResponse {
    guard Self.isLoopback(request.remoteAddress) else {
      await BodyWriter.discard(request.bodySequence)
      return Responses.detail(403, "The control routes answer loopback clients only")
    }
    if expectedKey != nil, let refusal = await checkAuth(request) {
      await BodyWriter.discard(request.bodySequence)
      return refusal
    }
    switch control {
    case .faults(method: "POST"):
      let body = (try? await request.bodyData) ?? Data()
      let bodies: [FaultRule.Body]
      if let many = JSONCoding.decode([FaultRule.Body].self, from: body) {
        bodies = many
      } else if let one = JSONCoding.decode(FaultRule.Body.self, from: body) {
        bodies = [one]
      } else {
        return Responses.detail(422, "Expected a rule or an array of rules: {\"kind\", \"action\", …}")
      }
      var rules: [FaultRule] = []
      for body in bodies {
        do { rules.append(try FaultRule(body: body)) } catch { return Responses.detail(422, error.message) }
      }
      await faults.addRules(rules)
      return await faultsReport()
    case .faults(method: "DELETE"):
      await faults.reset()
      return await faultsReport()
    case .faults:
      return await faultsReport()
    case .reset:
      await BodyWriter.discard(request.bodySequence)
      await faults.reset()
      await metrics.reset()
      requestLog.clear()
      return Responses.json(200, ["status": "reset"])
    case .requests:
      let since = request.query["since"].flatMap(Int.init) ?? 0
      return Responses.json(200, ["requests": Array(requestLog.snapshot.dropFirst(max(0, since)))])
    }
  }

  private func faultsReport() async -> HTTPResponse {
    Responses.json(200, ["rules": await faults.activeRules.compactMap(\.body)])
  }

  /// Whether the peer is this machine. A request handed to the router in process has no address.
  static func isLoopback(_ address: HTTPRequest.Address?) -> Bool {
    switch address {
    case nil, .unix?: true
    case .ip4(let ip, _)?: ip.hasPrefix("127.")
    case .ip6(let ip, _)?: ip == "::1" || ip.hasPrefix("::ffff:127.")
    }
  }
}
