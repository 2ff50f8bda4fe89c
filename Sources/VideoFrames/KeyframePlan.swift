import TerminalScreen

/// How one ffmpeg run samples a sheet's frames, and the times the frames it writes stand for.
enum KeyframePlan: Equatable {
  /// One decoding pass keeping the frames at these indices (a short clip: one GOP).
  case select(indices: [Int], frameRate: Double)
  /// One input per time, each seeked (`-ss` before `-i`: to the keyframe before, then decoded up
  /// to the time), the first frame of each concatenated into one stream.
  case seek(times: [Double])

  /// Frames the run writes (distinct indices: a sheet wider than the clip repeats frames).
  var frameCount: Int {
    switch self {
    case .select(let indices, _): Set(indices).count
    case .seek(let times): times.count
    }
  }

  func arguments(input: String, size: PixelSize) -> [String] {
    let scale = "scale=\(size.width):\(size.height):flags=area,format=rgba"
    // No deblocking: a frame shrunk to a sheet's cell shows no block edges, and skipping the
    // filter takes ~12 % off the decode (measured on the 720p clip).
    let decoder = ["-skip_loop_filter", "all"]
    var argv = ["-nostdin", "-v", "error"]
    switch self {
    case .select(let indices, _):
      let wanted = Set(indices).sorted()
      let expression = wanted.map { "eq(n,\($0))" }.joined(separator: "+")
      argv +=
        decoder + ["-i", input, "-an", "-sn", "-vf", "select='\(expression)',\(scale)", "-frames:v", "\(wanted.count)"]
    case .seek(let times):
      for time in times { argv += decoder + ["-ss", FrameSource.seconds(time), "-i", input] }
      var graph = ""
      for index in times.indices { graph += "[\(index):v]trim=end_frame=1,setpts=PTS-STARTPTS,\(scale)[f\(index)];" }
      graph += times.indices.map { "[f\($0)]" }.joined() + "concat=n=\(times.count):v=1:a=0[out]"
      argv += ["-filter_complex", graph, "-map", "[out]", "-frames:v", "\(times.count)"]
    }
    return argv + ["-fps_mode", "passthrough", "-f", "rawvideo", "pipe:1"]
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
