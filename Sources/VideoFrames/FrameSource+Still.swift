import Foundation
import TerminalScreen

extension FrameSource {
  /// A picture file (PNG, JPEG, WebP; a video gives its first frame) scaled to fit `box`: the
  /// studio's thumbnail of the image an image-to-video request starts from. ``probe(_:)`` refuses
  /// still images on purpose (a preview of a video has no use for them); this reads them.
  public func still(of url: URL, fitting box: PixelSize) async throws(PreviewError) -> RGBAImage {
    let path = url.path
    try Self.checkFile(path)
    guard let ffprobe, let ffmpeg else { throw .ffmpegMissing }
    let (bytes, exit) = try await Self.collect([
      ffprobe, "-v", "error", "-show_entries", ProbeReport.entries, "-of", "json", path,
    ])
    guard exit.succeeded else { throw .unreadable(path: path, reason: Self.reason(exit)) }
    guard let report = try? JSONDecoder().decode(ProbeReport.self, from: Data(bytes)),
      let stream = report.streams?.first(where: { $0.codecType == "video" }),
      let width = stream.width, let height = stream.height, width > 0, height > 0
    else { throw .unreadable(path: path, reason: "no picture in it") }
    let size = VideoInfo(width: width, height: height, frameRate: 1, frameCount: 1, duration: 1).size(fitting: box)
    let argv = [
      ffmpeg, "-nostdin", "-v", "error", "-i", path, "-an", "-sn", "-vf",
      "scale=\(size.width):\(size.height):flags=area,format=rgba", "-frames:v", "1", "-f", "rawvideo", "pipe:1",
    ]
    let (frames, decodeExit) = try await Self.decode(argv, size: size, limit: 1)
    guard let image = frames.first else {
      throw .unreadable(path: path, reason: Self.reason(decodeExit, or: "no picture decoded"))
    }
    return image
  }
}
