import TerminalScreen

/// What the probe says about a video's first video stream: enough to space keyframes, scale
/// frames and pace playback.
public struct VideoInfo: Sendable, Hashable {
  public var width: Int
  public var height: Int
  /// Frames per second (the stream's average rate; its nominal rate when there is no average).
  public var frameRate: Double
  /// The container's frame count, or `duration × frameRate` rounded when it does not say.
  public var frameCount: Int
  /// Seconds.
  public var duration: Double

  public init(width: Int, height: Int, frameRate: Double, frameCount: Int, duration: Double) {
    self.width = width
    self.height = height
    self.frameRate = frameRate
    self.frameCount = frameCount
    self.duration = duration
  }

  /// The largest size with the video's aspect ratio that fits in `box`, never larger than the
  /// video itself (a 480p clip in a big terminal is not blown up in memory) and at least 1×1.
  public func size(fitting box: PixelSize) -> PixelSize {
    guard width > 0, height > 0 else { return PixelSize(width: 1, height: 1) }
    let scale = min(1, Double(max(1, box.width)) / Double(width), Double(max(1, box.height)) / Double(height))
    return PixelSize(
      width: max(1, Int((Double(width) * scale).rounded())), height: max(1, Int((Double(height) * scale).rounded())))
  }

  /// `count` times evenly spaced from the start: the i-th at `i × duration / count`, so the first
  /// frame is shown and the last sample is a full interval before the end (a sheet of 6 of a 4 s clip
  /// shows 0, 0.67, … 3.33 s), which also never asks for a frame past the last one.
  public func sampleTimes(count: Int) -> [Double] {
    guard count > 0 else { return [] }
    return (0..<count).map { Double($0) * duration / Double(count) }
  }

  /// The index of the frame shown at `time`.
  public func frameIndex(at time: Double) -> Int {
    max(0, min(frameCount - 1, Int((time * frameRate + 1e-6).rounded(.down))))
  }
}
