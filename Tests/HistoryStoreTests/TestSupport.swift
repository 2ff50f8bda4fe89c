import FalProtocol
import Foundation
import TestSupport
import Testing

@testable import HistoryStore

/// A fresh directory under /tmp for one test (never the real home), removed afterwards.
struct TemporaryDirectory: ~Copyable {
  let path: String

  init() throws {
    var template = Array("/tmp/history-test-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    guard let made else { throw POSIXError(.EIO) }
    path = String(cString: made)
  }

  var history: String { path + "/history.jsonl" }

  func lines() throws -> [String] {
    try String(contentsOfFile: history, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
      .map(String.init).filter { !$0.isEmpty }
  }

  deinit {
    chmod(path, 0o755)
    try? FileManager.default.removeItem(atPath: path)
  }
}

/// A whole-millisecond time (what the file keeps), `seconds` after a fixed origin.
func time(_ seconds: Double) -> Date {
  Date(timeIntervalSince1970: 1_785_000_000 + seconds)
}

func makeRecord(
  _ id: String, prompt: String = "a red fox running through snow", status: GenerationStatus = .queued,
  mode: MagiMode = .textToVideo, created: Double = 0
) -> GenerationRecord {
  var input: JSONValue = ["prompt": .string(prompt), "num_frames": 96, "resolution": "720p"]
  if let field = mode.sourceField, case .object(var object) = input {
    object[field] = "https://v3.fal.media/files/source.bin"
    input = .object(object)
  }
  return GenerationRecord(
    id: id, createdAt: time(created), status: status, mode: mode, input: input, requestID: "req-\(id)")
}

/// Every field set: what a finished extend-video job looks like.
func fullRecord(_ id: String = "full-1") -> GenerationRecord {
  var record = GenerationRecord(
    id: id, createdAt: time(10), status: .submitting, mode: .extendVideo, model: .full,
    input: [
      "prompt": "the camera \"rises\" over a city\nat night — ünïcödé 🎬",
      "video_url": "https://v3.fal.media/files/in.mp4",
      "num_frames": 120, "seed": 42, "num_inference_steps": 16, "enable_safety_checker": false,
      "aspect_ratio": "16:9", "start_frame": 24, "guidance": 3.5, "tags": ["a", nil, true],
    ],
    source: GenerationRecord.Source(given: "~/clips/in.mp4", uploadedURL: "https://v3.fal.media/files/in.mp4"),
    parentID: "parent-7")
  record.requestID = "764cabcf-b745-4b3e-ae38-1200304cf45b"
  record.server = "https://queue.fal.run"
  record.transition(to: .queued, at: time(11))
  record.progress = GenerationRecord.Progress(queuePosition: 3, stepsDone: 16, stepsTotal: 16)
  record.transition(to: .running, at: time(20.5))
  record.appendLogs((0..<25).map { LogEntry(message: "step \($0)/25", timestamp: "2026-07-25T10:00:\($0)Z") })
  record.transition(to: .completed, at: time(95.125))
  record.result = GenerationRecord.Output(
    videoURL: "https://v3.fal.media/files/out.mp4", contentType: "video/mp4", fileSize: 1_234_567, seed: 42)
  record.localFile = GenerationRecord.LocalFile(
    path: "/data/magi-studio/videos/out.mp4", sha256: String(repeating: "ab", count: 32))
  record.billing = GenerationRecord.Billing(units: 5, pricePerUnit: 0.2)
  record.failure = GenerationRecord.Failure(type: "none", message: "kept to test the field")
  return record
}

/// The `history-torture` binary built next to the test binary.
func tortureBinary() throws -> String {
  var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
  while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("history-torture").path) {
    guard directory.path != "/" else {
      Issue.record("history-torture not found near \(CommandLine.arguments[0]); build it with `swift build`")
      throw POSIXError(.ENOENT)
    }
    directory.deleteLastPathComponent()
  }
  return directory.appendingPathComponent("history-torture").path
}

/// `history-torture` with `arguments`, running: its stdout read as it comes, its exit awaited (off
/// the task pool); `input` gives it a stdin the test closes (`hold-lock` then lets go).
func torture(_ arguments: [String], input: Bool = false) throws -> RunningChild {
  try RunningChild([try tortureBinary()] + arguments, input: input)
}
