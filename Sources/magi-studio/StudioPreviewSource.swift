import Foundation
import StudioRuntime
import TerminalScreen
import VideoFrames

/// The studio's previews from `VideoFrames`: keyframes through the preview cache (keyed by the
/// video's sha256), single frames and playback straight from ffmpeg.
struct StudioPreviewSource: PreviewFrameSource {
  let frames: FrameSource
  let cache: PreviewCache

  func probe(_ path: String) async throws -> PreviewVideo {
    let info = try await frames.probe(URL(fileURLWithPath: path))
    return PreviewVideo(duration: info.duration, frameRate: info.frameRate)
  }

  func keyframes(of path: String, sha256: String?, count: Int, fitting box: PixelSize) async throws -> [PreviewFrame] {
    try await cache.keyframes(of: URL(fileURLWithPath: path), sha256: sha256, count: count, fitting: box, source: frames)
      .map { PreviewFrame(time: $0.time, image: $0.image) }
  }

  func frame(of path: String, at time: Double, fitting box: PixelSize) async throws -> PreviewFrame {
    let frame = try await frames.frame(of: URL(fileURLWithPath: path), at: time, fitting: box)
    return PreviewFrame(time: frame.time, image: frame.image)
  }

  func still(of path: String, fitting box: PixelSize) async throws -> RGBAImage {
    try await frames.still(of: URL(fileURLWithPath: path), fitting: box)
  }

  func play(_ path: String, fitting box: PixelSize, from start: Double) -> AsyncThrowingStream<PreviewFrame, any Error> {
    let pulls = Pulls(frames.play(URL(fileURLWithPath: path), fitting: box, from: start).makeAsyncIterator())
    return AsyncThrowingStream(unfolding: { try await pulls.next() })
  }

  /// The decoder's iterator behind a stream of the runtime's frames, pulled one frame at a time
  /// (so the decoder's backpressure holds: nothing is decoded ahead of the player).
  ///
  /// `@unchecked Sendable`: an `AsyncThrowingStream(unfolding:)` calls its closure for one pull
  /// at a time (its single consumer, the player task), so the iterator is never used by two at once.
  private final class Pulls: @unchecked Sendable {
    private var iterator: AsyncThrowingStream<TimedFrame, any Error>.Iterator

    init(_ iterator: AsyncThrowingStream<TimedFrame, any Error>.Iterator) {
      self.iterator = iterator
    }

    func next() async throws -> PreviewFrame? {
      try await iterator.next().map { PreviewFrame(time: $0.time, image: $0.image) }
    }
  }
}
