import Foundation
import TerminalScreen

extension FrameSource {
  /// A picture file (PNG, JPEG, WebP; a video gives its first frame) scaled to fit `box`: the
  /// studio's thumbnail of the image an image-to-video request starts from. ``probe(_:)`` refuses
  /// still images on purpose (a preview of a video has no use for them); this reads them.
  public func still(of url: URL, fitting box: PixelSize) async throws(PreviewError) -> RGBAImage {
    let path = url.path
    try Self.checkFile(path)
    guard let decoder else { throw .decoderMissing }
    let report = try await probeReport(url)
    guard let stream = report.streams?.first(where: { $0.codecType == "video" }),
      let width = stream.width, let height = stream.height, width > 0, height > 0
    else { throw .unreadable(path: path, reason: "no picture in it") }
    let size = VideoInfo(width: width, height: height, frameRate: 1, frameCount: 1, duration: 1).size(fitting: box)
    let argv = [decoder] + KeyframePlan.select(indices: [0], frameRate: 1).arguments(input: path, size: size)
    let (frames, exit) = try await Self.decode(argv, size: size, limit: 1)
    guard let image = frames.first else { throw Self.failure(exit, path: path, otherwise: "no picture decoded") }
    return image
  }
}
