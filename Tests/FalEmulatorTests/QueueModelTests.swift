import FalProtocol
import FlyingFox
import FlyingSocks
import Foundation
import Testing

@testable import FalEmulator

/// The queue actor without HTTP: scheduling, positions and cancellation with a scripted runner.
@Suite struct QueueModelTests {
  /// A runner that finishes a job only when the test says so.
  actor Gate {
    var released: Set<String> = []
    func release(_ id: String) { released.insert(id) }
    func isReleased(_ id: String) -> Bool { released.contains(id) }
  }

  struct GatedRunner: JobRunning {
    let gate: Gate
    func run(_ job: Job, worker: Int, on queue: QueueModel) async {
      await queue.appendLog(job.id, "worker \(worker)")
      while !(await gate.isReleased(job.id)) {
        if await queue.isCancelRequested(job.id) {
          await queue.finish(job.id, with: .failure(.cancelled))
          return
        }
        try? await Task.sleep(for: .milliseconds(2))
      }
      await queue.finish(job.id, with: .success(output: Data("{}".utf8), billableUnits: 1))
    }
  }

  func waitFor(_ condition: () async -> Bool) async {
    for _ in 0..<2000 where !(await condition()) { try? await Task.sleep(for: .milliseconds(2)) }
  }

  @Test("with one worker, waiting requests count down 1 → 0 and start in FIFO order")
  func positionsCountDown() async throws {
    let gate = Gate()
    let queue = QueueModel(workers: 1, clock: .system, runner: GatedRunner(gate: gate))
    let endpoint = try EndpointID(parsing: "fal-ai/magi")
    let jobs = [
      await queue.submit(endpoint: endpoint, body: Data(), webhookURL: nil),
      await queue.submit(endpoint: endpoint, body: Data(), webhookURL: nil),
      await queue.submit(endpoint: endpoint, body: Data(), webhookURL: nil),
    ]
    #expect(jobs.map(\.queuePosition) == [0, 0, 1], "positions at submit count requests waiting ahead")
    #expect(await queue.job(jobs[0].id)?.state == .inProgress)
    #expect(await queue.job(jobs[2].id)?.queuePosition == 1)
    await gate.release(jobs[0].id)
    await waitFor { await queue.job(jobs[1].id)?.state == .inProgress }
    #expect(await queue.job(jobs[2].id)?.queuePosition == 0)
    #expect(await queue.job(jobs[0].id)?.completedAt != nil)
    #expect(await queue.cancel(jobs[2].id) == .requested)
    #expect(await queue.job(jobs[2].id)?.failure == .cancelled)
    #expect(await queue.cancel(jobs[2].id) == .alreadyCompleted)
    #expect(await queue.cancel("nope") == .notFound)
    await gate.release(jobs[1].id)
    await waitFor { await queue.job(jobs[1].id)?.state == .completed }
    #expect(await queue.completionTimes().count == 3)
    await queue.shutdown()
  }
}

/// Webhooks: the emulator POSTs fal's unsigned payload to `fal_webhook` when a request completes.
@Suite struct WebhookTests {
  actor Inbox {
    var bodies: [Data] = []
    func add(_ body: Data) { bodies.append(body) }
  }

  /// Runs `body` with a local receiver for `POST /hook` that keeps every body it gets and answers
  /// `answer(count of bodies so far)`; gives the inbox and the hook's URL, percent-encoded for a query.
  func withReceiver(
    answering answer: @escaping @Sendable (Int) -> HTTPStatusCode = { _ in .ok },
    _ body: (Inbox, String) async throws -> Void
  ) async throws {
    let inbox = Inbox()
    let receiver = HTTPServer(address: try sockaddr_in.inet(ip4: "127.0.0.1", port: 0), logger: .disabled)
    await receiver.appendRoute("POST /hook") { request in
      await inbox.add(try await request.bodyData)
      return HTTPResponse(statusCode: answer(await inbox.bodies.count))
    }
    let task = Task { try? await receiver.run() }
    defer { task.cancel() }
    try await receiver.waitUntilListening()
    guard case .ip4(_, let port)? = await receiver.listeningAddress else {
      Issue.record("receiver has no port")
      return
    }
    let hook = "http://127.0.0.1:\(port)/hook".addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    try await body(inbox, hook)
    await receiver.stop()
  }

  @Test("a finished request POSTs {request_id, gateway_request_id, status OK, payload} to fal_webhook")
  func webhookDelivered() async throws {
    try await withReceiver { inbox, hook in
      try await withEmulator { _, base in
        let job = try #require(
          try await Curl.request("POST", "\(base)/fal-ai/magi-distilled?fal_webhook=\(hook)", json: quickInput).json)
        _ = try await pollUntilCompleted(try #require(job["status_url"]?.stringValue))
        for _ in 0..<500 where await inbox.bodies.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        let body = try #require(await inbox.bodies.first)
        let payload = try JSONDecoder().decode(WebhookPayload.self, from: body)
        #expect(payload.requestID == job["request_id"]?.stringValue)
        #expect(payload.gatewayRequestID == payload.requestID)
        #expect(payload.status == "OK")
        #expect(payload.payload?["video"]?["content_type"] == "video/mp4")
      }
    }
  }

  @Test("a delivery the receiver refuses is retried with backoff until it is taken, the same payload each time")
  func webhookRetried() async throws {
    try await withReceiver(answering: { $0 < 3 ? .internalServerError : .ok }) { inbox, hook in
      // A manual clock: each retry waits for the backoff (200 ms, then 400 ms) and not a moment less.
      let clock = ManualClock()
      try await withEmulator(clock: clock.clock) { _, base in
        let job = try #require(
          try await Curl.request("POST", "\(base)/fal-ai/magi-distilled?fal_webhook=\(hook)", json: quickInput).json)
        let statusURL = try #require(job["status_url"]?.stringValue)
        await clock.waitForSleepers(1)  // the queue's wake-up at the end of the minimum time
        clock.advance(by: 0.021)
        await clock.waitForSleepers(1)  // the run waits for its first step
        clock.advance(by: 1)  // all four steps: the request completes and the first delivery goes out
        try await waitForStatus(statusURL, "COMPLETED")
        for (refused, backoff) in [(1, 0.2), (2, 0.4)] {
          // Refused, the sender waits on the clock; just short of the backoff nothing is sent again.
          #expect(await waitUntil { await inbox.bodies.count == refused })
          await clock.waitForSleepers(1)
          clock.advance(by: backoff - 0.001)
          #expect(clock.sleeperCount == 1, "the retry waits out the backoff")
          clock.advance(by: 0.002)
        }
        #expect(await waitUntil { await inbox.bodies.count == 3 })
        let bodies = await inbox.bodies
        #expect(bodies.count == 3, "two refusals, then the delivery that was taken")
        #expect(Set(bodies).count == 1, "every attempt carries the same payload")
        let payload = try JSONDecoder().decode(WebhookPayload.self, from: try #require(bodies.last))
        #expect(payload.requestID == job["request_id"]?.stringValue)
      }
    }
  }
}
