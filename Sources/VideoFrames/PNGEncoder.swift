import Foundation
import TerminalScreen

/// Writes an ``RGBAImage`` as a PNG file (8-bit RGBA, "Sub" filter, zlib at its default level).
///
/// A small writer on zlib rather than piping raw RGBA to `ffmpeg -f image2`: libcurl already loads
/// libz into the process, so this costs no process, no temporary file and no dependency the
/// studio does not have; and a PNG (chunks of length, type, data, CRC) is forty lines.
public enum PNGEncoder {
  /// The PNG file's bytes.
  public static func encode(_ image: RGBAImage) -> [UInt8] {
    let stride = image.width * 4
    var filtered = [UInt8](repeating: 0, count: (stride + 1) * image.height)
    image.pixels.withUnsafeBufferPointer { source in
      for row in 0..<image.height {
        let from = row * stride
        let to = row * (stride + 1)
        filtered[to] = 1  // Sub: each byte minus the same channel of the pixel to its left
        for x in 0..<stride {
          let left = x >= 4 ? source[from + x - 4] : 0
          filtered[to + 1 + x] = source[from + x] &- left
        }
      }
    }
    var header: [UInt8] = []
    header.appendBigEndian(UInt32(image.width))
    header.appendBigEndian(UInt32(image.height))
    header += [8, 6, 0, 0, 0]  // 8 bits, RGBA, deflate, adaptive filtering, no interlace
    var file: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    appendChunk("IHDR", header, to: &file)
    appendChunk("IDAT", Deflate.compress(filtered, level: 6), to: &file)
    appendChunk("IEND", [], to: &file)
    return file
  }

  /// Writes the PNG to `path` atomically (a temporary file beside it, renamed over it).
  public static func write(_ image: RGBAImage, to path: String) throws(PreviewError) {
    try AtomicWrite.write(encode(image), to: path)
  }

  private static func appendChunk(_ type: String, _ data: [UInt8], to file: inout [UInt8]) {
    file.appendBigEndian(UInt32(data.count))
    let typed = Array(type.utf8) + data
    file += typed
    file.appendBigEndian(Deflate.crc32(typed))
  }
}

extension [UInt8] {
  mutating func appendBigEndian(_ value: UInt32) {
    append(contentsOf: [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)])
  }
}
