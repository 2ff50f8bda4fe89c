import TerminalScreen

/// What playback needs to know of a video before its frames.
public struct PreviewVideo: Sendable, Hashable {
  public var duration: Double
  public var frameRate: Double

  public init(duration: Double, frameRate: Double) {
    self.duration = duration
    self.frameRate = frameRate
  }
}

/// Where the studio's previews get their frames: the video decoder (`VideoFrames` in the app's
/// wiring), synthetic frames in tests. Its errors' descriptions are what the user reads after
/// "no preview: ", so they are one line each.
///
/// Each call does its blocking work (a child process, a pipe) on threads of its own.
public protocol PreviewFrameSource: Sendable {
  func probe(_ path: String) async throws -> PreviewVideo
  /// `count` frames evenly spaced over the video, each scaled to fit `box` pixels; `sha256` (the
  /// file's, when known) lets a cache answer without decoding.
  func keyframes(of path: String, sha256: String?, count: Int, fitting box: PixelSize) async throws -> [TimedFrame]
  /// The frame shown at `time` seconds.
  func frame(of path: String, at time: Double, fitting box: PixelSize) async throws -> TimedFrame
  /// A picture file (the image an image-to-video request starts from) scaled to fit `box`.
  func still(of path: String, fitting box: PixelSize) async throws -> RGBAImage
  /// Every frame from `start` seconds, as fast as they are pulled (pacing is the caller's), each
  /// made into a picture by `render` on the decoder's own thread (no thread per frame). With
  /// `looping`, the video starts over at its end in the same decoder, frame times from 0 again,
  /// until the stream is dropped; the stream ends early only if the video cannot be decoded on.
  func play<Picture: Sendable>(
    _ path: String, fitting box: PixelSize, from start: Double, looping: Bool,
    render: @escaping @Sendable (TimedFrame) -> Picture
  ) -> AsyncThrowingStream<Picture, any Error>
}
