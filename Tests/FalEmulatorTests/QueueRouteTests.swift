import FalProtocol
import Foundation
import Testing

@testable import FalEmulator

/// The queue API over real HTTP: shapes, codes and headers that official clients depend on.
@Suite struct QueueRouteTests {
  @Test("submit answers 200 IN_QUEUE with absolute owner/alias URLs pointing at the emulator")
  func submitShape() async throws {
    try await withEmulator { _, base in
      let response = try await submit(
        base, "fal-ai/magi-distilled/image-to-video",
        [
          "prompt": "x", "image_url": "https://example.com/a.jpg", "num_inference_steps": 4, "resolution": "480p",
        ])
      #expect(response.status == 200)
      #expect(response.header("content-type") == "application/json")
      let json = try #require(response.json)
      let id = try #require(json["request_id"]?.stringValue)
      #expect(response.header("x-fal-request-id") == id)
      #expect(UUID(uuidString: id) != nil)
      #expect(Array(id)[14] == "7", "request ids are UUIDv7")
      #expect(json["status"] == "IN_QUEUE")
      #expect(json["queue_position"]?.intValue != nil)
      #expect(json["logs"] == .null)
      #expect(json["metrics"] == .object([:]))
      #expect(json["status_url"]?.stringValue == "\(base)/fal-ai/magi-distilled/requests/\(id)/status")
      #expect(json["response_url"]?.stringValue == "\(base)/fal-ai/magi-distilled/requests/\(id)")
      #expect(json["cancel_url"]?.stringValue == "\(base)/fal-ai/magi-distilled/requests/\(id)/cancel")
    }
  }

  @Test("queue and storage calls without (or with a wrong) key get fal's 401 detail")
  func authRequired() async throws {
    try await withEmulator(expectedKey: Curl.key) { _, base in
      let missing = try await Curl.request("POST", "\(base)/fal-ai/magi-distilled", auth: false, json: quickInput)
      #expect(missing.status == 401)
      #expect(missing.json?["detail"] == "No user found for Key ID and Secret")
      #expect(missing.header("content-type") == "application/json")
      let wrong = try await Curl.request(
        "POST", "\(base)/fal-ai/magi-distilled", auth: false, headers: ["Authorization": "Key nope:nope"],
        json: quickInput)
      #expect(wrong.status == 401)
      let storage = try await Curl.request(
        "POST", "\(base)/storage/upload/initiate?storage_type=fal-cdn-v3", auth: false,
        json: ["content_type": "text/plain", "file_name": "a.txt"])
      #expect(storage.status == 401)
      let bearer = try await Curl.request(
        "POST", "\(base)/fal-ai/magi-distilled", auth: false, headers: ["Authorization": "Bearer \(Curl.key)"],
        json: quickInput)
      #expect(bearer.status == 200, "Bearer with the right credential is accepted like Key")
    }
  }

  @Test("status is 202 while pending and 200 once COMPLETED; queue_position counts down with one worker")
  func statusCodesAndCountdown() async throws {
    // On a manual clock each request moves only when the test lets time pass, so the last one is
    // seen at every position, however slow the machine.
    let clock = ManualClock()
    try await withEmulator(workers: 1, stepDuration: .milliseconds(60), clock: clock.clock) { _, base in
      var statusURLs: [String] = []
      for _ in 0..<3 {
        // 16 steps of 60 ms: each request holds the only worker for 0.96 s of the clock.
        let response = try await submit(
          base, "fal-ai/magi-distilled", ["prompt": "x", "resolution": "480p", "num_inference_steps": 16])
        statusURLs.append(try #require(response.json?["status_url"]?.stringValue))
      }
      // None has served the minimum time in queue (20 ms): two requests wait ahead of the last.
      var seen = [try await Curl.request("GET", statusURLs[2])]
      #expect(seen[0].json?["status"] == "IN_QUEUE")
      await clock.waitForSleepers(1)  // the queue's wake-up at the end of the minimum time
      clock.advance(by: 0.021)
      for running in statusURLs {
        // The request ahead runs; the one after it (or the last) is seen, then the run is let through.
        try await waitForStatus(running, "IN_PROGRESS")
        seen.append(try await Curl.request("GET", statusURLs[2]))
        await clock.waitForSleepers(1)  // the run waits for its first step
        clock.advance(by: 1)
      }
      let polls = try await pollUntilCompleted(statusURLs[2])
      let positions = seen.compactMap { $0.json?["queue_position"]?.intValue }
      #expect(positions == [2, 1, 0], "positions count down, one for each request ahead: \(positions)")
      #expect(seen.last?.json?["status"] == "IN_PROGRESS")
      for poll in seen + polls.dropLast() { #expect(poll.status == 202, "\(poll.text)") }
      let done = try #require(polls.last)
      #expect(done.status == 200)
      #expect(
        done.json?["metrics"]?["inference_time"]?.intValue != nil || done.json?["metrics"]?["inference_time"] != .null)
      #expect(done.json?["logs"] == .null, "logs=0 keeps logs null")
      let again = try await Curl.request("GET", statusURLs[2] + "?logs=true")
      #expect(again.status == 200)
      #expect(again.json?["status"] == "COMPLETED", "COMPLETED is stable across polls")
    }
  }

  @Test("IN_PROGRESS logs carry one ISO-8601 INFO/USER line per inference step")
  func logsPerStep() async throws {
    try await withEmulator { _, base in
      var input = quickInput
      if case .object(var object) = input {
        object["num_inference_steps"] = "8"
        input = .object(object)
      }
      let submitted = try await submit(base, "fal-ai/magi-distilled", input)
      let statusURL = try #require(submitted.json?["status_url"]?.stringValue)
      _ = try await pollUntilCompleted(statusURL, logs: true)
      for flag in ["1", "true"] {
        let final = try await Curl.request("GET", statusURL + "?logs=\(flag)")
        guard case .array(let logs)? = final.json?["logs"] else {
          Issue.record("logs missing")
          return
        }
        let messages = logs.compactMap { $0["message"]?.stringValue }
        for step in 1...8 { #expect(messages.contains("Step \(step)/8")) }
        #expect(messages.count > 8, "setup lines come before the steps")
        for entry in logs {
          #expect(entry["level"] == "INFO")
          #expect(entry["source"] == "USER")
          let timestamp = try #require(entry["timestamp"]?.stringValue)
          #expect(ISO8601DateFormatter.withFraction.date(from: timestamp) != nil, "\(timestamp)")
        }
      }
      let withoutLogs = try await Curl.request("GET", statusURL + "?logs=false")
      #expect(withoutLogs.json?["logs"] == .null)
    }
  }

  @Test("result answers 200 with VideoOutput, request id and billing units, and the MP4 follows the request")
  func resultAndVideo() async throws {
    try await withEmulator(ffmpegPath: nil) { emulator, base in
      let input: JSONValue = [
        "prompt": "fox", "num_frames": 120, "resolution": "480p", "aspect_ratio": "1:1", "num_inference_steps": 4,
        "seed": 42,
      ]
      let submitted = try await submit(base, "fal-ai/magi-distilled", input)
      let json = try #require(submitted.json)
      let id = try #require(json["request_id"]?.stringValue)
      _ = try await pollUntilCompleted(try #require(json["status_url"]?.stringValue))
      let result = try await Curl.request("GET", try #require(json["response_url"]?.stringValue))
      #expect(result.status == 200)
      #expect(result.header("content-type") == "application/json")
      #expect(result.header("x-fal-request-id") == id)
      #expect(result.header("x-fal-billable-units") == "2.5", "120 frames = 5 s at 480p = 2.5 units")
      let output = try JSONDecoder().decode(VideoOutput.self, from: result.body)
      #expect(output.seed == 42)
      #expect(output.video.contentType == "video/mp4")
      #expect(output.video.url.hasPrefix(base + "/files/"))
      let video = try await Curl.request("GET", output.video.url, auth: false)
      #expect(video.status == 200)
      #expect(video.header("content-type") == "video/mp4")
      #expect(video.body.count == output.video.fileSize)
      let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(id).mp4")
      try video.body.write(to: file)
      defer { try? FileManager.default.removeItem(at: file) }
      let info = try #require(try await probe(file))
      #expect(info.frames == 120)
      #expect(info.width == 480 && info.height == 480)
      #expect(info.codec == "h264")
      #expect(await emulator.completionTime(of: id) != nil)
    }
  }

  @Test("invalid input is accepted at submit, ends COMPLETED with error, and the result is 422 naming the field")
  func validationFailure() async throws {
    try await withEmulator { _, base in
      let submitted = try await submit(
        base, "fal-ai/magi-distilled/image-to-video", ["prompt": "x", "num_frames": 500])
      #expect(submitted.status == 200, "fal does not validate at submit")
      let json = try #require(submitted.json)
      let polls = try await pollUntilCompleted(try #require(json["status_url"]?.stringValue))
      let done = try #require(polls.last?.json)
      #expect(done["error"] == "Invalid status code: 422")
      #expect(done["error_type"] == "validation_error")
      let result = try await Curl.request("GET", try #require(json["response_url"]?.stringValue))
      #expect(result.status == 422)
      #expect(result.header("x-fal-billable-units") == "0")
      let body = try JSONDecoder().decode(ValidationErrorBody.self, from: result.body)
      let fields = Set(body.detail.map(\.field))
      #expect(fields == ["image_url", "num_frames"])
      #expect(body.detail.allSatisfy { $0.loc.first == "body" })
    }
  }

  @Test("num_inference_steps is accepted both as 16 and as \"16\"")
  func stepsIntOrString() async throws {
    try await withEmulator(stepDuration: .milliseconds(2)) { _, base in
      for steps: JSONValue in [16, "16"] {
        let submitted = try await submit(
          base, "fal-ai/magi-distilled",
          [
            "prompt": "x", "num_inference_steps": steps, "resolution": "480p",
          ])
        let json = try #require(submitted.json)
        let polls = try await pollUntilCompleted(try #require(json["status_url"]?.stringValue))
        #expect(polls.last?.json?["error"] == nil, "steps \(steps)")
        let result = try await Curl.request("GET", try #require(json["response_url"]?.stringValue))
        #expect(result.status == 200)
      }
    }
  }

  @Test("cancel answers 202 for a queued request, 400 once completed, 404 when unknown")
  func cancelCodes() async throws {
    // On a manual clock the second request is still queued when the cancel comes, however slow the machine.
    let clock = ManualClock()
    try await withEmulator(workers: 1, stepDuration: .milliseconds(30), clock: clock.clock) { _, base in
      let running = try #require(try await submit(base).json)
      let queued = try #require(try await submit(base).json)
      let cancel = try await Curl.request("PUT", try #require(queued["cancel_url"]?.stringValue))
      #expect(cancel.status == 202)
      #expect(cancel.json?["status"] == "CANCELLATION_REQUESTED")
      let status = try await Curl.request("GET", try #require(queued["status_url"]?.stringValue))
      #expect(status.status == 200)
      #expect(status.json?["status"] == "COMPLETED")
      #expect(status.json?["error_type"] == "request_cancelled")
      let result = try await Curl.request("GET", try #require(queued["response_url"]?.stringValue))
      #expect(result.status == 400)
      #expect(result.header("x-fal-error-type") == "request_cancelled")
      let runningStatus = try #require(running["status_url"]?.stringValue)
      #expect(try await clock.run(by: 0.03) { try await currentStatus(runningStatus) == "COMPLETED" })
      let late = try await Curl.request("PUT", try #require(running["cancel_url"]?.stringValue))
      #expect(late.status == 400)
      #expect(late.json?["status"] == "ALREADY_COMPLETED")
      let unknown = try await Curl.request(
        "PUT", "\(base)/fal-ai/magi-distilled/requests/\(UUID().uuidString.lowercased())/cancel")
      #expect(unknown.status == 404)
      #expect(unknown.json?["status"] == "NOT_FOUND")
    }
  }

  @Test("cancelling a running request stops it at the next step")
  func cancelRunning() async throws {
    let clock = ManualClock()
    try await withEmulator(workers: 1, stepDuration: .milliseconds(40), clock: clock.clock) { _, base in
      let job = try #require(
        try await submit(base, "fal-ai/magi-distilled", ["prompt": "x", "num_inference_steps": 32]).json)
      // Running, one step taken: the cancel reaches a request in progress, not a queued one.
      let statusURL = try #require(job["status_url"]?.stringValue)
      await clock.waitForSleepers(1)  // the queue's wake-up at the end of the minimum time
      clock.advance(by: 0.021)
      try await waitForStatus(statusURL, "IN_PROGRESS")
      await clock.waitForSleepers(1)  // the run waits for step 1
      clock.advance(by: 0.041)
      await clock.waitForSleepers(1)  // step 1 logged, the run waits for step 2
      let cancel = try await Curl.request("PUT", try #require(job["cancel_url"]?.stringValue))
      #expect(cancel.status == 202)
      #expect(try await currentStatus(statusURL) == "IN_PROGRESS", "a run ends at its next step, not at once")
      clock.advance(by: 0.04)
      let polls = try await pollUntilCompleted(statusURL, logs: true)
      let done = try #require(polls.last?.json)
      #expect(done["error"] == "Request cancelled")
      guard case .array(let logs)? = done["logs"] else { return }
      let steps = logs.compactMap { $0["message"]?.stringValue }.filter { $0.hasPrefix("Step ") }
      #expect(steps == ["Step 1/32"], "stopped at the step after the cancel: \(steps)")
    }
  }

  @Test("unknown request ids and paths answer 404 with a detail; unknown endpoints end with fal's Path not found")
  func unknowns() async throws {
    try await withEmulator { _, base in
      let id = UUID().uuidString.lowercased()
      for url in [
        "\(base)/fal-ai/magi-distilled/requests/\(id)/status", "\(base)/fal-ai/magi-distilled/requests/\(id)",
      ] {
        let response = try await Curl.request("GET", url)
        #expect(response.status == 404)
        #expect(response.json?["detail"]?.stringValue != nil)
        #expect(response.header("content-type") == "application/json")
      }
      let path = try await Curl.request("GET", "\(base)/nothing/here")
      #expect(path.status == 404)
      #expect(path.json?["detail"]?.stringValue != nil)
      let submitted = try #require(try await submit(base, "fal-ai/magi-distilled/no-such-mode", quickInput).json)
      let polls = try await pollUntilCompleted(try #require(submitted["status_url"]?.stringValue))
      #expect(polls.last?.json?["error"]?.stringValue != nil)
      let result = try await Curl.request("GET", try #require(submitted["response_url"]?.stringValue))
      #expect(result.status == 404)
      #expect(result.json?["detail"] == "Path /no-such-mode not found")
      let other = try #require(try await submit(base, "fal-ai/flux/dev", quickInput).json)
      #expect(other["status_url"]?.stringValue?.contains("/fal-ai/flux/requests/") == true)
    }
  }

  @Test("status, result and cancel also answer on the sub-path form and under a namespace prefix")
  func subPathAndNamespace() async throws {
    try await withEmulator { _, base in
      let job = try #require(
        try await submit(
          base, "fal-ai/magi-distilled/image-to-video",
          [
            "prompt": "x", "image_url": "https://example.com/a.png", "num_inference_steps": 4, "resolution": "480p",
          ]
        ).json)
      let id = try #require(job["request_id"]?.stringValue)
      let subPath = try await Curl.request("GET", "\(base)/fal-ai/magi-distilled/image-to-video/requests/\(id)/status")
      #expect(subPath.status == 202 || subPath.status == 200)
      #expect(subPath.json?["request_id"]?.stringValue == id)
      let wrongApp = try await Curl.request("GET", "\(base)/fal-ai/magi/requests/\(id)/status")
      #expect(wrongApp.status == 404, "a request belongs to its app")
      let namespaced = try #require(try await submit(base, "workflows/fal-ai/my-flow", ["a": 1]).json)
      #expect(namespaced["status_url"]?.stringValue?.hasPrefix("\(base)/workflows/fal-ai/my-flow/requests/") == true)
      let status = try await Curl.request("GET", try #require(namespaced["status_url"]?.stringValue))
      #expect(status.status == 202 || status.status == 200)
    }
  }

  @Test("result of a pending request answers 202 with the status object")
  func pendingResult() async throws {
    // On a clock that never moves the request is pending for as long as the test takes.
    let clock = ManualClock()
    try await withEmulator(workers: 1, clock: clock.clock) { _, base in
      let job = try #require(try await submit(base).json)
      let result = try await Curl.request("GET", try #require(job["response_url"]?.stringValue))
      #expect(result.status == 202)
      #expect(result.json?["request_id"] == job["request_id"])
      #expect(result.json?["status"] == "IN_QUEUE")
    }
  }
}

extension ISO8601DateFormatter {
  static var withFraction: ISO8601DateFormatter {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter
  }
}
