import Foundation

/// Makes the emulator's outputs: real, playable H.264 MP4s with the requested frame count, 24 fps
/// and size, so that downloaders, players and `ffprobe` checks see what fal would deliver.
///
/// With `ffmpeg` the clip is derived from the request, so that offline previews are worth looking
/// at: an uploaded image moves in a slow zoom and pan across it; text-to-video is a drifting
/// gradient whose colours and motion come from the prompt's hash, with the prompt's words
/// scrolling across it; extend plays the source video on with the words over it. The words need
/// `drawtext` (ffmpeg built with freetype) and a font (fonts-dejavu-core); without them the clip
/// is rendered without words, and different prompts still differ by their colours. Without
/// `ffmpeg` the bundled `fallback.mp4` is copied (wrong size and length, but still a real video).
struct VideoRenderer: Sendable {
  enum Source: Sendable, Hashable {
    case image(URL)
    case video(URL)
    case pattern

    /// Whether the prompt's words are drawn: over a pattern or an extended video, not over the
    /// user's own image (its picture is the point).
    var drawsWords: Bool {
      if case .image = self { return false }
      return true
    }
  }

  struct RenderError: Error, Sendable, CustomStringConvertible {
    var description: String
  }

  let ffmpeg: String?
  let ffprobe: String?
  let scratch: URL
  /// A bold sans font for the prompt's words, when one is installed.
  let fontFile: String?

  /// Where Debian and most distributions put a sans font (fonts-dejavu-core, then others).
  static let fontCandidates = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf", "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
  ]

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
    fontFile = Self.fontCandidates.first { FileManager.default.isReadableFile(atPath: $0) }
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

  /// Writes the clip to `output`; `prompt` colours the pattern and gives the words drawn over it,
  /// `seed` lays the pattern out (``PatternLook``) and picks where an image's drift starts.
  func render(
    source: Source, prompt: String, seed: Int, geometry: VideoGeometry, frames: Int, fps: Int, to output: URL
  ) async throws(RenderError) {
    guard let ffmpeg else {
      try copyFallback(to: output)
      return
    }
    var textFile: URL?
    if source.drawsWords, fontFile != nil, let words = Self.words(of: prompt) {
      let file = scratch.appendingPathComponent("words-\(UUID().uuidString).txt")
      if (try? Data(words.utf8).write(to: file)) != nil { textFile = file }
    }
    defer { if let textFile { try? FileManager.default.removeItem(at: textFile) } }
    var attempts: [(Source, URL?)] = [(source, textFile)]
    if textFile != nil { attempts.append((source, nil)) }  // no drawtext in this ffmpeg: without words
    if source != .pattern { attempts.append((.pattern, nil)) }  // a source ffmpeg cannot decode
    var failure = ""
    for (attempt, text) in attempts {
      let arguments = Self.arguments(
        source: attempt, prompt: prompt, seed: seed, textFile: text, fontFile: fontFile, geometry: geometry,
        frames: frames, fps: fps, output: output)
      let result: ProcessRunner.Output
      do {
        result = try await ProcessRunner.run(ffmpeg, arguments, scratch: scratch)
      } catch {
        throw RenderError(description: "cannot run ffmpeg: \(error)")
      }
      if result.status == 0 { return }
      failure = "ffmpeg exited \(result.status): \(result.standardError.suffix(400))"
    }
    throw RenderError(description: failure)
  }

  /// ffmpeg's arguments for one clip.
  static func arguments(
    source: Source, prompt: String, seed: Int, textFile: URL?, fontFile: String?, geometry: VideoGeometry,
    frames: Int, fps: Int, output: URL
  ) -> [String] {
    let (width, height) = (geometry.width, geometry.height)
    let fit = "scale=\(width):\(height):force_original_aspect_ratio=increase,crop=\(width):\(height),setsar=1"
    var filters: [String]
    var arguments = ["-nostdin", "-hide_banner", "-v", "error", "-y"]
    switch source {
    case .image(let url):
      // Twice the size first, so zoompan's whole-pixel steps are half-pixels in the output: a
      // smooth 15 % zoom with a drift from one side to the other over the clip; the seed picks
      // the side it starts from and the height it keeps (six takes of one image differ).
      let last = max(1, frames - 1)
      let progress = seed & 1 == 0 ? "on/\(last)" : "(1-on/\(last))"
      let level = ["0", "(ih-ih/zoom)/2", "(ih-ih/zoom)"][(seed >> 1 & 0x7FFF_FFFF) % 3]
      arguments += ["-loop", "1", "-framerate", "\(fps)", "-i", url.path]
      filters = [
        "scale=\(2 * width):\(2 * height):force_original_aspect_ratio=increase,crop=\(2 * width):\(2 * height)",
        "zoompan=z='1+0.15*on/\(last)':x='(iw-iw/zoom)*\(progress)':y='\(level)':d=1:s=\(width)x\(height):fps=\(fps)",
        "setsar=1",
      ]
    case .video(let url):
      arguments += ["-stream_loop", "-1", "-i", url.path, "-an"]
      filters = ["fps=\(fps)", fit]
    case .pattern:
      let look = PatternLook(prompt: prompt, seed: seed)
      arguments += [
        "-f", "lavfi", "-i",
        "gradients=s=\(width)x\(height):r=\(fps):n=3:c0=\(look.colors[0]):c1=\(look.colors[1]):c2=\(look.colors[2]):speed=\(look.speed):seed=\(look.layout)",
      ]
      filters = []
    }
    if let textFile, let fontFile {
      // Words from a file (no filtergraph escaping of user text, `expansion=none`: no %{…}),
      // scrolling right to left across the middle, once every three seconds.
      filters.append(
        "drawtext=fontfile='\(fontFile)':textfile='\(textFile.path)':expansion=none:fontsize=h/10:fontcolor=white"
          + ":borderw=4:bordercolor=black@0.6:x=w-mod(t*w/3\\,w+tw):y=(h-th)/2")
    }
    filters.append("format=yuv420p")
    arguments += ["-vf", filters.joined(separator: ",")]
    return arguments + [
      "-frames:v", "\(frames)", "-r", "\(fps)", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
      "-movflags", "+faststart", "-f", "mp4", output.path,
    ]
  }

  /// The prompt's words on one line, at most 80 characters: what is drawn over the clip.
  static func words(of prompt: String) -> String? {
    let line = prompt.split(whereSeparator: { $0.isWhitespace || $0.isNewline }).joined(separator: " ")
    let shown = line.count > 80 ? String(line.prefix(79)) + "…" : line
    return shown.isEmpty ? nil : shown
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
