import Foundation

/// `magi-decode probe`'s JSON for the first video stream and the container: ffprobe's field names
/// (its `-show_entries` below), read from the same libavformat fields ffprobe reads; read into
/// a ``VideoInfo`` or the reason there is none.
struct ProbeReport: Decodable {
  struct Stream: Decodable {
    var codecType: String?
    var width: Int?
    var height: Int?
    var averageFrameRate: String?
    var nominalFrameRate: String?
    var frameCount: String?
    var duration: String?

    enum CodingKeys: String, CodingKey {
      case codecType = "codec_type"
      case width, height
      case averageFrameRate = "avg_frame_rate"
      case nominalFrameRate = "r_frame_rate"
      case frameCount = "nb_frames"
      case duration
    }
  }
  struct Format: Decodable {
    var formatName: String?
    var duration: String?

    enum CodingKeys: String, CodingKey {
      case formatName = "format_name"
      case duration
    }
  }
  var streams: [Stream]?
  var format: Format?

  static let entries =
    "stream=codec_type,width,height,avg_frame_rate,r_frame_rate,nb_frames,duration:format=format_name,duration"

  /// The video's facts; nil when there is no video stream or it is a still image (libavformat reads a
  /// PNG or JPEG as a one-frame "video", which a preview has no use for).
  func info() -> VideoInfo? {
    guard let stream = streams?.first(where: { $0.codecType == "video" }),
      let width = stream.width, let height = stream.height, width > 0, height > 0
    else { return nil }
    let container = format?.formatName ?? ""
    if container.hasPrefix("image2") || container.hasSuffix("_pipe") || container == "gif" && stream.frameCount == "1" {
      return nil
    }
    let rate = Self.rate(stream.averageFrameRate) ?? Self.rate(stream.nominalFrameRate) ?? 24
    let duration = stream.duration.flatMap(Double.init) ?? format?.duration.flatMap(Double.init) ?? 0
    let count = stream.frameCount.flatMap(Int.init) ?? Int((duration * rate).rounded())
    guard count > 0, duration > 0 else { return nil }
    return VideoInfo(width: width, height: height, frameRate: rate, frameCount: count, duration: duration)
  }

  /// "24/1" → 24; "0/0" (unknown) → nil.
  static func rate(_ text: String?) -> Double? {
    guard let text else { return nil }
    let parts = text.split(separator: "/")
    guard let numerator = parts.first.flatMap({ Double($0) }) else { return nil }
    let denominator = parts.count > 1 ? Double(parts[1]) ?? 0 : 1
    guard numerator > 0, denominator > 0 else { return nil }
    return numerator / denominator
  }
}
