import FalProtocol
import Foundation
import Testing

@testable import FalEmulator

/// Starts an emulator with test-speed settings, runs `body` with it and its base URL, and stops it.
/// Videos are the bundled clip unless `ffmpegPath` is nil (ffmpeg from `PATH`) or a path: a real
/// render costs ~0.2 s of CPU per job, most of the suite's time, and only the tests that look at
/// what the video shows need one.
/// `Curl.request`s to it are answered in process unless `overTheWire` (``InProcessRoutes``).
///
/// With a ``ManualClock``'s `clock`, nothing that waits on time (minimum time in queue, steps,
/// keep-alives, webhook backoff, latency faults) happens until the test advances it.
func withEmulator<T>(
  workers: Int = 2, stepDuration: Duration = .milliseconds(15), minimumQueueTime: Duration = .milliseconds(20),
  keepAlive: Duration = .seconds(15),
  expectedKey: String? = nil, faults: FaultInjection = FaultInjection(), ffmpegPath: String? = "",
  statusLogWindow: Int? = nil, overTheWire: Bool = false, clock: EmulatorClock = .system,
  _ body: (FalEmulator, String) async throws -> T
) async throws -> T {
  let emulator = FalEmulator(
    configuration: EmulatorConfiguration(
      workers: workers, stepDuration: stepDuration, minimumQueueTime: minimumQueueTime, keepAliveInterval: keepAlive,
      expectedKey: expectedKey,
      statusLogWindow: statusLogWindow, ffmpegPath: ffmpegPath, faults: faults),
    clock: clock)
  let base = try await emulator.start()
  if !overTheWire { InProcessRoutes.add(emulator, at: base) }
  defer { InProcessRoutes.remove(base) }
  do {
    let value = try await body(emulator, base)
    await emulator.stop()
    return value
  } catch {
    await emulator.stop()
    throw error
  }
}

/// A small valid text-to-video input: 480p, 96 frames, 4 steps, so runs take tens of milliseconds.
let quickInput: JSONValue = [
  "prompt": "a red fox in the snow", "resolution": "480p", "num_frames": 96, "num_inference_steps": 4,
  "aspect_ratio": "1:1",
]

/// Submits `input` to `endpoint` and returns the submit response.
func submit(_ base: String, _ endpoint: String = "fal-ai/magi-distilled", _ input: JSONValue = quickInput) async throws
  -> CurlResponse
{
  try await Curl.request("POST", "\(base)/\(endpoint)", json: input)
}

/// Polls `statusURL` until COMPLETED (or the deadline) and returns every status body seen.
func pollUntilCompleted(
  _ statusURL: String, logs: Bool = false, interval: Duration = .milliseconds(10), deadline: Duration = .seconds(60)
) async throws -> [CurlResponse] {
  var seen: [CurlResponse] = []
  let clock = ContinuousClock()
  let end = clock.now + deadline
  while clock.now < end {
    let response = try await Curl.request("GET", statusURL + (logs ? "?logs=1" : "?logs=0"))
    seen.append(response)
    if response.json?["status"]?.stringValue == "COMPLETED" { return seen }
    try await Task.sleep(for: interval)
  }
  Issue.record("request at \(statusURL) did not complete in time")
  return seen
}

/// Polls `condition` until it holds or `timeout` of real time passes, and says whether it held: a
/// wait on a condition for what has no signal to await (a status over HTTP, tasks parked on a clock).
func waitUntil(timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async rethrows -> Bool {
  let end = ContinuousClock.now + timeout
  while ContinuousClock.now < end {
    if try await condition() { return true }
    try? await Task.sleep(for: .milliseconds(2))
  }
  return try await condition()
}

/// The `status` a status URL reports now (nil when it answers no status).
func currentStatus(_ statusURL: String) async throws -> String? {
  try await Curl.request("GET", statusURL).json?["status"]?.stringValue
}

/// Polls `statusURL` until it reports `state` (bounded), recording an issue if it never does.
func waitForStatus(
  _ statusURL: String, _ state: String, sourceLocation: SourceLocation = #_sourceLocation
) async throws {
  let reached = try await waitUntil { try await currentStatus(statusURL) == state }
  #expect(reached, "\(statusURL) never reached \(state)", sourceLocation: sourceLocation)
}

extension ManualClock {
  /// Waits (bounded, in real time) until exactly `count` tasks are parked on this clock: the twin
  /// has done all it can without time passing.
  func waitForSleepers(_ count: Int, sourceLocation: SourceLocation = #_sourceLocation) async {
    let parked = await waitUntil { self.sleeperCount == count }
    #expect(parked, "\(sleeperCount) tasks wait on the clock, not \(count)", sourceLocation: sourceLocation)
  }

  /// Advances the clock by `step` whenever something waits on it, until `condition` holds (bounded
  /// in real time); whether it held. For a test that needs the twin to run through, not each moment.
  func run(by step: TimeInterval, until condition: () async throws -> Bool) async rethrows -> Bool {
    let end = ContinuousClock.now + .seconds(60)
    while ContinuousClock.now < end {
      if try await condition() { return true }
      if sleeperCount > 0 { advance(by: step) }
      try? await Task.sleep(for: .milliseconds(1))
    }
    return try await condition()
  }
}

/// Runs `ffprobe` on a file and returns (frames, width, height, codec).
func probe(_ file: URL) async throws -> (frames: Int, width: Int, height: Int, codec: String)? {
  let arguments = [
    "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
    "stream=nb_read_frames,width,height,codec_name", "-of", "default=noprint_wrappers=1", file.path,
  ]
  let (code, output) = try await Curl.run("/usr/bin/ffprobe", arguments)
  guard code == 0 else { return nil }
  var values: [String: String] = [:]
  for line in output.split(separator: "\n") {
    let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
    if parts.count == 2 { values[parts[0]] = parts[1] }
  }
  guard let frames = Int(values["nb_read_frames"] ?? ""), let width = Int(values["width"] ?? ""),
    let height = Int(values["height"] ?? "")
  else { return nil }
  return (frames, width, height, values["codec_name"] ?? "")
}
