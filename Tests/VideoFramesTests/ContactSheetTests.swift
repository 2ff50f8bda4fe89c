import Foundation
import TerminalScreen
import TestSupport
import Testing

@testable import VideoFrames

/// Sheets laid out in a grid, and the PNG files ffprobe reads back at their size and colours.
@Suite struct ContactSheetTests {
  static func solid(_ width: Int, _ height: Int, _ rgb: (UInt8, UInt8, UInt8)) -> RGBAImage {
    RGBAImage(width: width, height: height, pixels: (0..<width * height).flatMap { _ in [rgb.0, rgb.1, rgb.2, 255] })
  }

  @Test func framesSitInAGridWithSpacing() {
    let frames = [Self.solid(4, 2, (255, 0, 0)), Self.solid(4, 2, (0, 255, 0)), Self.solid(4, 2, (0, 0, 255))]
    let sheet = ContactSheet.compose(frames, columns: 2, spacing: 1)
    #expect(sheet.width == 2 * 4 + 3 && sheet.height == 2 * 2 + 3)
    func pixel(_ x: Int, _ y: Int) -> [UInt8] {
      Array(sheet.pixels[(y * sheet.width + x) * 4..<(y * sheet.width + x) * 4 + 4])
    }
    #expect(pixel(0, 0) == [0, 0, 0, 255])
    #expect(pixel(1, 1) == [255, 0, 0, 255])
    #expect(pixel(6, 1) == [0, 255, 0, 255])
    #expect(pixel(1, 4) == [0, 0, 255, 255])
    #expect(pixel(6, 4) == [0, 0, 0, 255])
  }

  /// `-o` naming a pipe (or a device: `/dev/null`, `/dev/stdout`) writes into it; the rename a
  /// regular file gets would replace the pipe or device itself with a file.
  @Test func aTargetThatIsNotARegularFileIsWrittenInPlace() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fifo-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let fifo = directory + "/sheet.png"
    #expect(mkfifo(fifo, 0o600) == 0)
    // The reading end open first (non-blocking), so the writer's open does not wait for one.
    let reader = open(fifo, O_RDONLY | O_NONBLOCK)
    #expect(reader >= 0)
    defer { close(reader) }
    try PNGEncoder.write(Self.solid(4, 4, (1, 2, 3)), to: fifo)
    var bytes = [UInt8](repeating: 0, count: 65536)
    let got = read(reader, &bytes, bytes.count)
    #expect(got > 8 && Array(bytes[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "a PNG came through")
    var status = stat()
    #expect(stat(fifo, &status) == 0 && status.st_mode & S_IFMT == S_IFIFO, "still a pipe")
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["sheet.png"], "no temporary left")
  }

  @Test func pngIsReadByFFprobeWithItsSizeAndPixels() async throws {
    let image = ContactSheet.compose(
      [Self.solid(30, 20, (200, 100, 50)), Self.solid(30, 20, (10, 20, 30))], columns: 2)
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("sheet-\(UUID().uuidString).png").path
    defer { unlink(path) }
    try PNGEncoder.write(image, to: path)
    let probe = try await ChildProcess.run([
      "ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", path,
    ])
    #expect(probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "png,\(image.width),\(image.height)")
    // Decoded back to raw RGBA by ffmpeg, the pixels are the ones written.
    let raw = path + ".rgba"
    defer { unlink(raw) }
    let decode = try await ChildProcess.run([
      "ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgba", "-y", raw,
    ])
    #expect(decode.status == 0)
    #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: raw))) == image.pixels)
  }

  @Test func unwritablePathIsOneLine() {
    #expect(throws: PreviewError.self) {
      try PNGEncoder.write(Self.solid(1, 1, (0, 0, 0)), to: "/nonexistent/dir/sheet.png")
    }
  }
}
