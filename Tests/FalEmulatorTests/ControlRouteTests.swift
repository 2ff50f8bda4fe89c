import FalProtocol
import FlyingFox
import Foundation
import Testing

@testable import FalEmulator

private typealias JSONValue = FalProtocol.JSONValue

/// The runtime control routes: fault rules set while the twin runs, reset, and the request log.
@Suite struct ControlRouteTests {
  @Test("a rule for the next 2 status calls answers 429 with Retry-After, then status works; the log counts each call")
  func countedRule() async throws {
    // On a clock that never moves the request is still pending at the third call: 202, not 200.
    let clock = ManualClock()
    try await withEmulator(clock: clock.clock) { _, base in
      let rule: JSONValue = ["kind": "status", "action": "status", "status": 429, "retry_after": 2, "count": 2]
      let set = try await Curl.request("POST", "\(base)/_emulator/faults", auth: false, json: rule)
      #expect(set.status == 200)
      #expect(items(set.json?["rules"]).first?["count"] == 2)
      let statusURL = try #require(try await submit(base).json?["status_url"]?.stringValue)
      var codes: [Int] = []
      for _ in 0..<3 {
        let response = try await Curl.request("GET", statusURL)
        codes.append(response.status)
        if response.status == 429 { #expect(response.header("retry-after") == "2") }
      }
      #expect(codes == [429, 429, 202])
      let rules = try await Curl.request("GET", "\(base)/_emulator/faults", auth: false)
      #expect(rules.json?["rules"] == .array([]), "a spent rule is gone")
      let log = try #require(try await Curl.request("GET", "\(base)/_emulator/requests", auth: false).json)
      guard case .array(let entries)? = log["requests"] else {
        Issue.record("no request log in \(log)")
        return
      }
      let statuses = entries.filter { $0["path"]?.stringValue?.hasSuffix("/status") == true }
      #expect(statuses.compactMap { $0["status"]?.intValue } == [429, 429, 202])
      #expect(statuses.first?["fault"] == "status")
      #expect(entries.first?["method"] == "POST", "the submit comes first; control calls are not logged")
      #expect(entries.allSatisfy { $0["authorization"] == "Key ***" })
      #expect(!String(decoding: log.encoded(), as: UTF8.self).contains(Curl.key), "the key never shows")
      let since = try await Curl.request("GET", "\(base)/_emulator/requests?since=\(entries.count - 1)", auth: false)
      #expect(items(since.json?["requests"]).count == 1)
    }
  }

  @Test("rules aim at one kind of call: a CDN token failure leaves the storage initiate alone")
  func rulesAreKindSpecific() async throws {
    try await withEmulator { _, base in
      let rules: JSONValue = [
        ["kind": "cdn_token", "action": "status", "status": 503, "count": 1],
        ["kind": "upload_initiate", "action": "ingress", "status": 502, "count": 1],
      ]
      #expect(try await Curl.request("POST", "\(base)/_emulator/faults", auth: false, json: rules).status == 200)
      let token = try await Curl.request("POST", "\(base)/storage/auth/token?storage_type=fal-cdn-v3", json: [:])
      #expect(token.status == 503)
      #expect(token.json?["error_type"] == "runner_scheduling_failure")
      #expect(token.header("x-fal-request-id") != nil, "a platform error carries a request id")
      let initiate = try await Curl.request(
        "POST", "\(base)/storage/upload/initiate?storage_type=gcs", json: ["content_type": "text/plain"])
      #expect(initiate.status == 502)
      #expect(initiate.text.contains("nginx"))
      #expect(initiate.header("x-fal-request-id") == nil, "an ingress error has no request id")
      let again = try await Curl.request("POST", "\(base)/storage/auth/token?storage_type=fal-cdn-v3", json: [:])
      #expect(again.status == 200)
    }
  }

  @Test("drop closes before replying and queues nothing; accept_then_drop queues the job and loses the reply")
  func dropActions() async throws {
    try await withEmulator { _, base in
      let rules: JSONValue = [
        ["kind": "submit", "action": "drop", "count": 1],
        ["kind": "submit", "action": "accept_then_drop", "count": 1],
      ]
      #expect(try await Curl.request("POST", "\(base)/_emulator/faults", auth: false, json: rules).status == 200)
      func jobs() async throws -> Int? {
        try await Curl.request("GET", "\(base)/_emulator/metrics", auth: false).json?["jobs"]?.intValue
      }
      #expect(try await submit(base).exitCode == 52, "an empty reply")
      #expect(try await jobs() == 0)
      #expect(try await submit(base).exitCode == 52)
      #expect(try await jobs() == 1, "the job exists though its submit got no answer")
      #expect(try await submit(base).status == 200)
      let log = try #require(try await Curl.request("GET", "\(base)/_emulator/requests", auth: false).json)
      guard case .array(let entries)? = log["requests"] else {
        Issue.record("no request log")
        return
      }
      #expect(entries.map { $0["status"]?.intValue ?? -1 } == [0, 0, 200])
      #expect(entries.map { $0["fault"]?.stringValue } == ["drop", "accept_then_drop", nil])
    }
  }

  @Test("a cancel whose reply was dropped still cancels the queued request")
  func acceptThenDropCancels() async throws {
    // On a clock that never moves the second request is still queued when the cancel comes.
    let clock = ManualClock()
    try await withEmulator(workers: 1, stepDuration: .milliseconds(100), clock: clock.clock) { emulator, base in
      _ = try await submit(base, "fal-ai/magi-distilled", ["prompt": "x", "num_inference_steps": 16])
      let queued = try #require(try await submit(base).json)
      let rule: JSONValue = ["kind": "cancel", "action": "accept_then_drop"]
      #expect(try await Curl.request("POST", "\(base)/_emulator/faults", auth: false, json: rule).status == 200)
      let cancel = try await Curl.request("PUT", try #require(queued["cancel_url"]?.stringValue))
      #expect(cancel.exitCode == 52)
      let id = try #require(queued["request_id"]?.stringValue)
      #expect(await emulator.status(of: id)?.errorType == "request_cancelled")
    }
  }

  @Test("stall answers normally after the given time")
  func stall() async throws {
    // On the system clock: what a client sees is real time, and a lower bound only grows under load.
    try await withEmulator { _, base in
      let rule: JSONValue = ["kind": "submit", "action": "stall", "seconds": 0.3]
      #expect(try await Curl.request("POST", "\(base)/_emulator/faults", auth: false, json: rule).status == 200)
      let clock = ContinuousClock()
      let start = clock.now
      let response = try await submit(base)
      #expect(response.status == 200)
      #expect(clock.now - start >= .milliseconds(300))
    }
  }

  @Test("end queues the job, which then ends as fal ends it: status COMPLETED with the error, result with its code")
  func endAction() async throws {
    try await withEmulator { _, base in
      let rule: JSONValue = ["kind": "submit", "action": "end", "error_type": "runner_disconnected"]
      let set = try await Curl.request("POST", "\(base)/_emulator/faults", auth: false, json: rule)
      #expect(set.status == 200)
      #expect(items(set.json?["rules"]).first?["error_type"] == "runner_disconnected", "listed as it was set")
      let queued = try #require(try await submit(base).json)
      let seen = try await pollUntilCompleted(try #require(queued["status_url"]?.stringValue))
      #expect(seen.last?.json?["error_type"] == "runner_disconnected")
      let result = try await Curl.request("GET", try #require(queued["response_url"]?.stringValue))
      #expect(result.status == 503)
      #expect(result.json?["error_type"] == "runner_disconnected")
      let next = try #require(try await submit(base).json)
      let after = try await pollUntilCompleted(try #require(next["status_url"]?.stringValue))
      #expect(after.last?.json?["error_type"] == nil, "the rule was for one submit")
    }
  }

  @Test("a rate rule faults a share of calls, reproducibly for the seed, until reset")
  func rateRuleAndReset() async throws {
    try await withEmulator { emulator, base in
      let rule: JSONValue = ["kind": "result", "action": "status", "status": 500, "rate": 0.5]
      #expect(try await Curl.request("POST", "\(base)/_emulator/faults", auth: false, json: rule).status == 200)
      let submitted = try #require(try await submit(base).json)
      _ = try await pollUntilCompleted(try #require(submitted["status_url"]?.stringValue))
      let resultURL = try #require(submitted["response_url"]?.stringValue)
      var codes: [Int] = []
      for _ in 0..<40 { codes.append(try await Curl.request("GET", resultURL).status) }
      #expect(Set(codes) == [200, 500], "\(codes)")
      #expect(await emulator.faultRules().count == 1, "a rate rule stays until reset")
      #expect(try await Curl.request("POST", "\(base)/_emulator/reset", auth: false).status == 200)
      #expect(await emulator.faultRules().isEmpty)
      #expect(try await Curl.request("GET", resultURL).status == 200)
      let log = try #require(try await Curl.request("GET", "\(base)/_emulator/requests", auth: false).json)
      #expect(items(log["requests"]).count == 1, "reset empties the log: only the call after it")
      #expect(await emulator.requestCount(.result) == 1)
    }
  }

  @Test("bad rules are refused with 422 and a reason; unknown control paths 404; wrong methods 405")
  func badRules() async throws {
    try await withEmulator { _, base in
      for rule: JSONValue in [
        ["kind": "nope", "action": "drop"], ["kind": "status", "action": "explode"],
        ["kind": "status", "action": "status", "status": 418], ["kind": "status", "action": "drop", "count": 0],
        ["kind": "status", "action": "drop", "rate": 1.5], ["kind": "status", "action": "stall"],
        ["kind": "status", "action": "ingress", "status": 500], "not a rule",
        ["kind": "status", "action": "end", "error_type": "runner_disconnected"], ["kind": "submit", "action": "end"],
        ["kind": "submit", "action": "end", "error_type": "Bad Type!"],
      ] {
        let response = try await Curl.request("POST", "\(base)/_emulator/faults", auth: false, json: rule)
        #expect(response.status == 422, "\(rule)")
        #expect(response.json?["detail"]?.stringValue?.isEmpty == false)
      }
      #expect(try await Curl.request("GET", "\(base)/_emulator/nothing", auth: false).status == 404)
      #expect(try await Curl.request("PUT", "\(base)/_emulator/reset", auth: false).status == 405)
      #expect(
        Route.classify(method: "GET", path: "/_emulator/faults", host: "queue.fal.run", query: { _ in nil })
          == .notFound, "fal's host names never reach the control routes")
    }
  }

  @Test("with an expected key the control routes want it; only loopback peers are served")
  func guarded() async throws {
    try await withEmulator(expectedKey: Curl.key) { _, base in
      let refused = try await Curl.request("GET", "\(base)/_emulator/requests", auth: false)
      #expect(refused.status == 401)
      let allowed = try await Curl.request("GET", "\(base)/_emulator/requests")
      #expect(allowed.status == 200)
    }
    #expect(Router.isLoopback(.ip4("127.0.0.1", port: 1)))
    #expect(Router.isLoopback(.ip6("::1", port: 1)))
    #expect(!Router.isLoopback(.ip4("192.168.1.4", port: 1)))
    #expect(!Router.isLoopback(.ip6("fe80::1", port: 1)))
  }
}

/// The elements of a JSON array (none for anything else).
private func items(_ value: JSONValue?) -> [JSONValue] {
  if case .array(let elements)? = value { return elements }
  return []
}
