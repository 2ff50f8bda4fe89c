import Foundation
import Synchronization

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
    for key in ["FAL_KEY", "FAL_KEY_ID", "FAL_KEY_SECRET", "MAGI_FAL_URL", "MAGI_FAL_QUEUE_URL", "MAGI_FAL_REST_URL", "MAGI_FAL_CDN_URL"] {
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

  func run(_ arguments: [String], environment extra: [String: String] = [:], timeout: TimeInterval = 120) throws -> Output {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Self.binary)
    process.arguments = arguments
    process.environment = environment.merging(extra) { $1 }
    process.currentDirectoryURL = URL(fileURLWithPath: home)
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Read both pipes concurrently so that a chatty child cannot block on a full pipe.
    let errData = LockedData()
    let reader = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
    reader.start()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning {
      if Date() > deadline {
        process.terminate()
        break
      }
      Thread.sleep(forTimeInterval: 0.01)
    }
    process.waitUntilExit()
    while !errData.isSet { Thread.sleep(forTimeInterval: 0.005) }
    return Output(
      status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errData.value, as: UTF8.self))
  }

  /// A small real PNG made with ffmpeg.
  func makeImage(named name: String = "first.png", size: String = "320x240") throws -> String {
    let path = home + "/" + name
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=\(size)", "-frames:v", "1", path]
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
    return path
  }
}

final class LockedData: Sendable {
  private let state = Mutex<(data: Data, done: Bool)>((Data(), false))
  func set(_ value: Data) { state.withLock { $0 = (value, true) } }
  var isSet: Bool { state.withLock { $0.done } }
  var value: Data { state.withLock { $0.data } }
}

/// Reads a video's frame count and size with ffprobe.
func probeVideo(_ path: String) throws -> (frames: Int, width: Int, height: Int) {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames,width,height", "-of", "csv=p=0", path]
  let pipe = Pipe()
  process.standardOutput = pipe
  try process.run()
  let data = pipe.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  let fields = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").compactMap { Int($0) }
  guard fields.count == 3 else { throw CocoaError(.fileReadCorruptFile) }
  return (fields[2], fields[0], fields[1])
}
