import TerminalScreen

/// How one decoder run samples a sheet's frames, and the times the frames it writes stand for.
enum KeyframePlan: Equatable {
  /// One decoding pass keeping the frames at these indices (a short clip: one GOP).
  case select(indices: [Int], frameRate: Double)
  /// One seek per time (to the keyframe before it, then decoded up to the frame shown at it).
  case seek(times: [Double])

  /// Frames the run writes (distinct indices: a sheet wider than the clip repeats frames).
  var frameCount: Int {
    switch self {
    case .select(let indices, _): Set(indices).count
    case .seek(let times): times.count
    }
  }

  /// The decoder's arguments after its path (Sources/magi-decode/main.c): the frames by index in
  /// one pass, or one seek per time.
  func arguments(input: String, size: PixelSize) -> [String] {
    let head = ["frames", input, "\(size.width)", "\(size.height)"]
    switch self {
    case .select(let indices, _):
      return head + ["--indices", Set(indices).sorted().map(String.init).joined(separator: ",")]
    case .seek(let times):
      return head + ["--times", times.map(FrameSource.seconds).joined(separator: ",")]
    }
  }

  /// The frames with their times, one per requested time (repeated where indices repeat).
  func timed(_ frames: [RGBAImage], requested: [Double]) -> [TimedFrame] {
    switch self {
    case .select(let indices, let frameRate):
      let order = Set(indices).sorted()
      return indices.compactMap { index in
        guard let position = order.firstIndex(of: index), position < frames.count else { return nil }
        return TimedFrame(time: Double(index) / frameRate, image: frames[position])
      }
    case .seek(let times):
      return zip(times, frames).map { TimedFrame(time: $0, image: $1) }
    }
  }
}
