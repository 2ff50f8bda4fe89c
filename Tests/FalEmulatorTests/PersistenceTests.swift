import FalProtocol
import Foundation
import Testing

@testable import FalEmulator

/// A twin with a state directory outlives its process, as fal does: what it took is still there
/// after a restart, running requests continue by wall-clock time, and its files keep their URLs.
@Suite struct PersistenceTests {
  /// A fresh state directory, deleted afterwards.
  private static func withStateDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("magi-state-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory)
  }

  private static func twin(
    _ state: URL, workers: Int = 2, step: Duration = .milliseconds(100), clock: EmulatorClock = .system
  )
    -> FalEmulator
  {
    FalEmulator(
      configuration: EmulatorConfiguration(workers: workers, stepDuration: step, stateDirectory: state, ffmpegPath: ""),
      clock: clock)
  }

  /// Wall-clock time moved `offset` ahead: a restart "later" without waiting for it.
  private static func clock(ahead offset: TimeInterval) -> EmulatorClock {
    EmulatorClock(now: { Date().addingTimeInterval(offset) }, sleep: { try await Task.sleep(for: $0) })
  }

  private static func number(_ value: JSONValue?) -> Double? {
    switch value {
    case .double(let number)?: number
    case .int(let number)?: Double(number)
    default: nil
    }
  }

  /// On a manual clock, takes a just-submitted request past the minimum time in queue (the
  /// configuration's default, 300 ms) into IN_PROGRESS.
  private static func startRunning(_ statusURL: String, on clock: ManualClock) async throws {
    await clock.waitForSleepers(1)  // the queue's wake-up at the end of the minimum time
    clock.advance(by: 0.301)
    try await waitForStatus(statusURL, "IN_PROGRESS")
  }

  @Test("a request running when the twin stopped completes after a restart, on the same port, and its video is served")
  func runningRequestContinuesAfterRestart() async throws {
    try await Self.withStateDirectory { state in
      // One manual clock for all three runs: the first stops after exactly one of the four steps.
      let clock = ManualClock()
      let first = Self.twin(state, step: .milliseconds(150), clock: clock.clock)
      let base = try await first.start()
      let submitted = try await submit(base)
      let statusURL = try #require(submitted.json?["status_url"]?.stringValue)
      let responseURL = try #require(submitted.json?["response_url"]?.stringValue)
      try await Self.startRunning(statusURL, on: clock)
      await clock.waitForSleepers(1)  // the run waits for its first step
      clock.advance(by: 0.151)
      await clock.waitForSleepers(1)  // step 1 logged, the run waits for step 2
      await first.stop()

      let second = Self.twin(state, step: .milliseconds(150), clock: clock.clock)
      let again = try await second.start()
      #expect(again == base, "the twin comes back on the port its URLs name")
      #expect(try await currentStatus(statusURL) == "IN_PROGRESS", "the run continues: its steps are not due yet")
      await clock.waitForSleepers(1)  // the resumed run waits for step 2
      clock.advance(by: 0.45)
      _ = try await pollUntilCompleted(statusURL)
      let result = try await Curl.request("GET", responseURL)
      #expect(result.status == 200, "\(result.text)")
      let videoURL = try #require(result.json?["video"]?["url"]?.stringValue)
      #expect(videoURL.hasPrefix(base + "/files/"))
      let video = try await Curl.request("GET", videoURL)
      #expect(video.status == 200)
      #expect(video.body.count > 1000 && video.header("content-type") == "video/mp4")
      guard case .array(let logs)? = try await Curl.request("GET", statusURL + "?logs=1").json?["logs"] else {
        Issue.record("no logs")
        return
      }
      let steps = logs.compactMap { $0["message"]?.stringValue }.filter { $0.hasPrefix("Step ") }
      #expect(steps == ["Step 1/4", "Step 2/4", "Step 3/4", "Step 4/4"], "each step is logged once across the restart")
      await second.stop()

      // A third start serves the finished request and its file as they were.
      let third = Self.twin(state, clock: clock.clock)
      #expect(try await third.start() == base)
      #expect(try await Curl.request("GET", responseURL).json?["video"]?["url"]?.stringValue == videoURL)
      #expect(try await Curl.request("GET", videoURL).body == video.body)
      await third.stop()
    }
  }

  @Test("a state file whose run began absurdly far in the future is no crash: the entry is skipped, the twin answers")
  func absurdRecordedTimesAreNoTrap() async throws {
    try await Self.withStateDirectory { state in
      // On a manual clock the request is still running when the twin stops, however slow the machine.
      let clock = ManualClock()
      let first = Self.twin(state, workers: 1, step: .milliseconds(150), clock: clock.clock)
      let base = try await first.start()
      let submitted = try await submit(base)
      let statusURL = try #require(submitted.json?["status_url"]?.stringValue)
      try await Self.startRunning(statusURL, on: clock)
      await clock.waitForSleepers(1)  // setup done, the step timeline journalled: the run waits for step 1
      await first.stop()
      // The journal is a file in the data directory: damaged or edited, it is input like any other.
      let jobs = state.appendingPathComponent("jobs")
      for name in try FileManager.default.contentsOfDirectory(atPath: jobs.path) where name.hasSuffix(".json") {
        let file = jobs.appendingPathComponent(name)
        var entry = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        entry["stepsBegan"] = 1e300
        try JSONSerialization.data(withJSONObject: entry).write(to: file)
      }
      let second = Self.twin(state, workers: 1, step: .milliseconds(150), clock: clock.clock)
      let again = try await second.start()
      let status = try await Curl.request("GET", statusURL.replacing(base, with: again))
      // The damaged entry is skipped as unreadable, as any damaged entry is: the twin answers.
      #expect(status.status == 404, "\(status.text)")
      await second.stop()
    }
  }

  @Test("requests whose time passed while the twin was stopped finish at once, the queue replayed as if it had run")
  func timePassedWhileStoppedFinishesAtOnce() async throws {
    try await Self.withStateDirectory { state in
      let clock = ManualClock()
      let first = Self.twin(state, workers: 1, step: .seconds(1), clock: clock.clock)
      let base = try await first.start()
      let a = try await submit(base)
      let b = try await submit(base)
      let aStatus = try #require(a.json?["status_url"]?.stringValue)
      let bStatus = try #require(b.json?["status_url"]?.stringValue)
      try await Self.startRunning(aStatus, on: clock)
      #expect(try await currentStatus(bStatus) == "IN_QUEUE")
      await first.stop()

      // An hour later: both 4-second runs are long over. The clock stays there: both requests
      // finishing while it stands still is what "at once" means (nothing waits for time).
      clock.advance(by: 3600)
      let second = Self.twin(state, workers: 1, step: .seconds(1), clock: clock.clock)
      try await second.start()
      _ = try await pollUntilCompleted(aStatus)
      _ = try await pollUntilCompleted(bStatus)
      for url in [aStatus, bStatus] {
        let status = try await Curl.request("GET", url).json
        #expect(status?["error"] == nil || status?["error"] == .null)
        let seconds = try #require(Self.number(status?["metrics"]?["inference_time"]))
        #expect(
          abs(seconds - 4) < 0.001,
          "a run that caught up took its planned time, not the time the twin was down: \(seconds)")
      }
      let aID = try #require(a.json?["request_id"]?.stringValue)
      let bID = try #require(b.json?["request_id"]?.stringValue)
      let aDone = try #require(await second.completionTime(of: aID))
      let bDone = try #require(await second.completionTime(of: bID))
      #expect(abs(bDone.timeIntervalSince(aDone) - 4) < 0.001, "the waiting request started when the worker came free")
      #expect(try await Curl.request("GET", "\(base)/fal-ai/magi-distilled/requests/\(bID)").status == 200)
      await second.stop()
    }
  }

  @Test("when its port is taken, a restarted twin re-bases the stored result URLs onto its new port")
  func portTakenRebasesResults() async throws {
    try await Self.withStateDirectory { state in
      let first = Self.twin(state, step: .milliseconds(1))
      let base = try await first.start()
      let submitted = try await submit(base)
      let id = try #require(submitted.json?["request_id"]?.stringValue)
      _ = try await pollUntilCompleted(try #require(submitted.json?["status_url"]?.stringValue))
      await first.stop()
      let port = try #require(base.split(separator: ":").last.flatMap { UInt16($0) })
      let squatter = FalEmulator(configuration: EmulatorConfiguration(port: port))
      do { try await squatter.start() } catch EmulatorError.listen {
        // A client or server of a suite running alongside took the freed port first: taken all the same.
      }
      let second = Self.twin(state)
      let moved = try await second.start()
      #expect(moved != base)
      let result = try await Curl.request("GET", "\(moved)/fal-ai/magi-distilled/requests/\(id)")
      let videoURL = try #require(result.json?["video"]?["url"]?.stringValue)
      #expect(videoURL.hasPrefix(moved + "/files/"), "\(videoURL)")
      #expect(try await Curl.request("GET", videoURL).status == 200)
      await second.stop()
      await squatter.stop()
    }
  }

  @Test("finished requests and unreferenced files older than the retention are pruned at start")
  func oldStateIsPruned() async throws {
    try await Self.withStateDirectory { state in
      let first = Self.twin(state, step: .milliseconds(1))
      let base = try await first.start()
      let submitted = try await submit(base)
      let responseURL = try #require(submitted.json?["response_url"]?.stringValue)
      _ = try await pollUntilCompleted(try #require(submitted.json?["status_url"]?.stringValue))
      let videoURL = try #require(try await Curl.request("GET", responseURL).json?["video"]?["url"]?.stringValue)
      await first.stop()
      // Restarts "later" on wall-clock time moved ahead (the stored files are stamped with wall-clock
      // time, not the twin's clock): the hour either side of the 7-day retention dwarfs the seconds
      // this test takes, so real time passing cannot move a request across the line.
      let early = Self.twin(state, clock: Self.clock(ahead: 7 * 24 * 3600 - 3600))
      try await early.start()
      #expect(try await Curl.request("GET", responseURL).status == 200, "within the retention: kept")
      #expect(try await Curl.request("GET", videoURL).status == 200)
      await early.stop()
      let second = Self.twin(state, clock: Self.clock(ahead: 8 * 24 * 3600))
      try await second.start()
      #expect(try await Curl.request("GET", responseURL).status == 404)
      #expect(try await Curl.request("GET", videoURL).status == 404)
      let files = try FileManager.default.contentsOfDirectory(atPath: state.appendingPathComponent("files").path)
      #expect(files.isEmpty, "\(files)")
      await second.stop()
    }
  }

  @Test("of two twins started at once, the refused one finds the other's port already written")
  func aRefusedTwinFindsThePortOfTheOneStarting() async throws {
    try await Self.withStateDirectory { state in
      // Two start at once: the one that finds the directory in use finds the other's port too,
      // so it can use that twin (a first-ever start has no port file from an earlier run).
      let portFile = state.appendingPathComponent("port")
      /// The base URL a start got, or the port file as the refused one found it.
      @Sendable func attempt(_ twin: FalEmulator) async -> (base: String?, portOnRefusal: String?) {
        do { return (try await twin.start(), nil) } catch {
          return (
            nil, (try? String(contentsOf: portFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
          )
        }
      }
      for _ in 0..<5 {
        let first = Self.twin(state)
        let second = Self.twin(state)
        async let a = attempt(first)
        async let b = attempt(second)
        let results = await [a, b]
        let started = results.compactMap(\.base)
        #expect(started.count == 1)
        let seen = results.compactMap(\.portOnRefusal)
        #expect(seen.count == 1 && started.first?.hasSuffix(":" + seen[0]) == true, "\(results)")
        await first.stop()
        await second.stop()
        try? FileManager.default.removeItem(at: portFile)
      }
    }
  }

  @Test("two twins cannot own one state directory")
  func stateDirectoryIsExclusive() async throws {
    try await Self.withStateDirectory { state in
      let first = Self.twin(state)
      try await first.start()
      let second = Self.twin(state)
      await #expect(throws: EmulatorError.self) { try await second.start() }
      await first.stop()
      try await second.start()
      await second.stop()
    }
  }
}
