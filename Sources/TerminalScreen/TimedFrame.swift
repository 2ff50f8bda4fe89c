/// One decoded frame and the time in the video (seconds) it is shown at.
public struct TimedFrame: Sendable, Hashable {
  public var time: Double
  public var image: RGBAImage

  public init(time: Double, image: RGBAImage) {
    self.time = time
    self.image = image
  }
}
