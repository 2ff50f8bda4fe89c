import Foundation
import StudioRuntime
import TerminalScreen
import VideoFrames

/// The studio's previews from `VideoFrames`: keyframes through the preview cache (keyed by the
/// video's sha256), single frames and playback straight from the decoder.
struct StudioPreviewSource: PreviewFrameSource {
  let frames: FrameSource
  let cache: PreviewCache

  func probe(_ path: String) async throws -> PreviewVideo {
    let info = try await frames.probe(URL(fileURLWithPath: path))
    return PreviewVideo(duration: info.duration, frameRate: info.frameRate)
  }

  func keyframes(of path: String, sha256: String?, count: Int, fitting box: PixelSize) async throws -> [TimedFrame] {
    try await cache.keyframes(
      of: URL(fileURLWithPath: path), sha256: sha256, count: count, fitting: box, source: frames)
  }

  func frame(of path: String, at time: Double, fitting box: PixelSize) async throws -> TimedFrame {
    try await frames.frame(of: URL(fileURLWithPath: path), at: time, fitting: box)
  }

  func still(of path: String, fitting box: PixelSize) async throws -> RGBAImage {
    try await frames.still(of: URL(fileURLWithPath: path), fitting: box)
  }

  func play<Picture: Sendable>(
    _ path: String, fitting box: PixelSize, from start: Double, looping: Bool,
    render: @escaping @Sendable (TimedFrame) -> Picture
  ) -> AsyncThrowingStream<Picture, any Error> {
    frames.play(URL(fileURLWithPath: path), fitting: box, from: start, looping: looping, render: render)
  }
}
