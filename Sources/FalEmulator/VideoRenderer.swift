import Foundation

/// Makes the emulator's outputs: real, playable H.264 MP4s with the requested frame count, 24 fps
/// and size, so that downloaders, players and `ffprobe` checks see what fal would deliver.
///
/// With `ffmpeg` the clip is made from the source image (or video) when it is local, else from the
/// `testsrc2` pattern; without `ffmpeg` the bundled `fallback.mp4` is copied (wrong size and length,
/// but still a real video).
struct VideoRenderer: Sendable {
  enum Source: Sendable, Hashable {
    case image(URL)
    case video(URL)
    case pattern
  }

  struct RenderError: Error, Sendable, CustomStringConvertible {
    var description: String
  }

  let ffmpeg: String?
  let ffprobe: String?
  let scratch: URL

  init(ffmpegPath: String?, scratch: URL) {
    if let ffmpegPath {
      ffmpeg = ffmpegPath.isEmpty ? nil : ffmpegPath
    } else {
      ffmpeg = ProcessRunner.find("ffmpeg")
    }
    if let ffmpeg {
      let sibling = URL(fileURLWithPath: ffmpeg).deletingLastPathComponent().appendingPathComponent("ffprobe").path
      ffprobe = FileManager.default.isExecutableFile(atPath: sibling) ? sibling : ProcessRunner.find("ffprobe")
    } else {
      ffprobe = nil
    }
    self.scratch = scratch
  }

  /// Width and height of the first video stream of an image or video, when `ffprobe` can read it.
  func probeSize(of file: URL) async -> (width: Int, height: Int)? {
    guard let ffprobe else { return nil }
    let arguments = [
      "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0:s=x",
      file.path,
    ]
    guard let output = try? await ProcessRunner.run(ffprobe, arguments, scratch: scratch), output.status == 0 else {
      return nil
    }
    let parts = output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "x")
    guard parts.count >= 2, let width = Int(parts[0]), let height = Int(parts[1]) else { return nil }
    return (width, height)
  }

  /// Writes the clip to `output`.
  func render(source: Source, geometry: VideoGeometry, frames: Int, fps: Int, to output: URL) async throws(RenderError) {
    guard let ffmpeg else {
      try copyFallback(to: output)
      return
    }
    let fit =
      "scale=\(geometry.width):\(geometry.height):force_original_aspect_ratio=increase,crop=\(geometry.width):\(geometry.height),setsar=1"
    var arguments = ["-nostdin", "-hide_banner", "-v", "error", "-y"]
    switch source {
    case .image(let url):
      arguments += ["-loop", "1", "-framerate", "\(fps)", "-i", url.path, "-vf", "\(fit),format=yuv420p"]
    case .video(let url):
      arguments += ["-stream_loop", "-1", "-i", url.path, "-an", "-vf", "fps=\(fps),\(fit),format=yuv420p"]
    case .pattern:
      arguments += [
        "-f", "lavfi", "-i", "testsrc2=size=\(geometry.width)x\(geometry.height):rate=\(fps)", "-vf", "format=yuv420p",
      ]
    }
    arguments += [
      "-frames:v", "\(frames)", "-r", "\(fps)", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
      "-movflags", "+faststart", "-f", "mp4", output.path,
    ]
    let result: ProcessRunner.Output
    do {
      result = try await ProcessRunner.run(ffmpeg, arguments, scratch: scratch)
    } catch {
      throw RenderError(description: "cannot run ffmpeg: \(error)")
    }
    guard result.status == 0 else {
      // A source ffmpeg cannot decode still deserves a video: fall back to the pattern.
      if source != .pattern {
        try await render(source: .pattern, geometry: geometry, frames: frames, fps: fps, to: output)
        return
      }
      throw RenderError(description: "ffmpeg exited \(result.status): \(result.standardError.suffix(400))")
    }
  }

  private func copyFallback(to output: URL) throws(RenderError) {
    guard let clip = Bundle.module.url(forResource: "fallback", withExtension: "mp4") else {
      throw RenderError(description: "fallback.mp4 is missing from the bundle")
    }
    do {
      if FileManager.default.fileExists(atPath: output.path) { try FileManager.default.removeItem(at: output) }
      try FileManager.default.copyItem(at: clip, to: output)
    } catch {
      throw RenderError(description: "cannot copy fallback.mp4: \(error)")
    }
  }
}
