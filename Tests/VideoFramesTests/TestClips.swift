import Foundation
import TestSupport

/// Small real videos made with ffmpeg for the tests, once per process.
///
/// `frames` renders a frame number-dependent picture: frame n is filled with grey level 8·n (the
/// `geq` expression), so a decoded frame's brightness says which frame it is.
enum TestClips {
  static let directory: URL = {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("videoframes-\(getpid())")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }()

  /// 320×180, 24 fps, 24 frames, frame n of luma 16 + 8·n: red level ``countingLevel(_:)``.
  static func counting() async throws -> URL {
    try await make(
      "counting.mp4",
      [
        "-f", "lavfi", "-i", "color=c=black:s=320x180:r=24:d=1", "-vf", "geq=lum='16+8*N':cb=128:cr=128",
        "-frames:v", "24", "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-pix_fmt", "yuv420p",
      ])
  }

  /// 160×90, 24 fps, 300 frames, a keyframe a second, frame n of luma 16 + 0.8·(n mod 250): past
  /// the single-pass limit, so sheets are made by seeking.
  static func long() async throws -> URL {
    try await make(
      "long.mp4",
      [
        "-f", "lavfi", "-i", "color=c=black:s=160x90:r=24", "-vf", "geq=lum='16+0.8*mod(N,250)':cb=128:cr=128",
        "-frames:v", "300", "-g", "24", "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-pix_fmt", "yuv420p",
      ])
  }

  /// A PNG picture: ffmpeg reads it as a one-frame "video", which is not a video to preview.
  static func picture() async throws -> URL {
    try await make("picture.png", ["-f", "lavfi", "-i", "color=c=red:s=64x64", "-frames:v", "1"])
  }

  /// A WAV: a media file without a video stream.
  static func sound() async throws -> URL {
    try await make("sound.wav", ["-f", "lavfi", "-i", "sine=d=0.5"])
  }

  /// The counting clip cut to its first 4 KiB: a broken download that was never marked partial.
  static func truncated() async throws -> URL {
    let whole = try Data(contentsOf: try await counting())
    let url = directory.appendingPathComponent("truncated.mp4")
    try whole.prefix(4096).write(to: url)
    return url
  }

  static func make(_ name: String, _ arguments: [String]) async throws -> URL {
    let url = directory.appendingPathComponent(name)
    if FileManager.default.fileExists(atPath: url.path) { return url }
    let scratch = directory.appendingPathComponent("\(UUID().uuidString)-\(name)")
    let result = try await ChildProcess.run(["ffmpeg", "-nostdin", "-v", "error", "-y"] + arguments + [scratch.path])
    guard result.status == 0 else { throw ClipError(message: "ffmpeg: \(result.stderr)") }
    // Two tests may make the same clip at once; the rename keeps either whole.
    _ = rename(scratch.path, url.path)
    return url
  }

  struct ClipError: Error { var message: String }

  /// The red level of the counting clip's frame n (video range expanded to 0–255).
  static func countingLevel(_ n: Int) -> Double { Double(8 * n) * 255 / 219 }

  /// The red level of the long clip's frame n.
  static func longLevel(_ n: Int) -> Double { 0.8 * Double(n % 250) * 255 / 219 }

  /// The mean of an image's red channel.
  static func meanLevel(_ pixels: [UInt8]) -> Double {
    var sum = 0
    for index in stride(from: 0, to: pixels.count, by: 4) { sum += Int(pixels[index]) }
    return Double(sum) / Double(pixels.count / 4)
  }
}
