import Foundation
import TestSupport

/// Runs the built `magi-studio` binary as a user would, in an isolated home (no FAL_KEY, temp XDG
/// directories), and captures what it prints.
struct CommandRunner {
  struct Output {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  let home: String
  var environment: [String: String]

  init() throws {
    home = NSTemporaryDirectory() + "magi-cli-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
    var environment = ProcessInfo.processInfo.environment
    for key in [
      "FAL_KEY", "FAL_KEY_ID", "FAL_KEY_SECRET", "MAGI_FAL_URL", "MAGI_FAL_QUEUE_URL", "MAGI_FAL_REST_URL",
      "MAGI_FAL_CDN_URL",
    ] {
      environment[key] = nil
    }
    environment["HOME"] = home
    environment["XDG_CONFIG_HOME"] = home + "/config"
    environment["XDG_DATA_HOME"] = home + "/data"
    environment["XDG_CACHE_HOME"] = home + "/cache"
    environment["MAGI_EMULATOR_STEP_MS"] = "5"
    environment["LANG"] = "C.UTF-8"
    self.environment = environment
  }

  static var binary: String {
    let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var directory = testBinary.deletingLastPathComponent()
    // Inside an .xctest bundle on some platforms; next to it on Linux.
    while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("magi-studio").path),
      directory.path != "/"
    {
      directory.deleteLastPathComponent()
    }
    return directory.appendingPathComponent("magi-studio").path
  }

  /// Runs the binary with `arguments` and waits for it (off the task pool); kills it after `timeout`.
  func run(_ arguments: [String], environment extra: [String: String] = [:], timeout: TimeInterval = 120) async throws
    -> Output
  {
    let output = try await ChildProcess.run(
      [Self.binary] + arguments, environment: environment.merging(extra) { $1 }, directory: home,
      timeout: .milliseconds(Int(timeout * 1000)))
    return Output(status: output.status, stdout: output.stdout, stderr: output.stderr)
  }

  /// A small real PNG made with ffmpeg.
  func makeImage(named name: String = "first.png", size: String = "320x240") async throws -> String {
    let path = home + "/" + name
    let made = try await ChildProcess.run(
      ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=\(size)", "-frames:v", "1", path])
    guard made.status == 0 else { throw CocoaError(.fileWriteUnknown) }
    return path
  }
}

/// Reads a video's frame count and size with ffprobe.
func probeVideo(_ path: String) async throws -> (frames: Int, width: Int, height: Int) {
  let probe = try await ChildProcess.run([
    "ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
    "stream=nb_read_frames,width,height",
    "-of", "csv=p=0", path,
  ])
  let fields = probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").compactMap { Int($0) }
  guard fields.count == 3 else { throw CocoaError(.fileReadCorruptFile) }
  return (fields[2], fields[0], fields[1])
}
