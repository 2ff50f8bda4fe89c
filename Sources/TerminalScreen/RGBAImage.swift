/// Pixels in memory: 8-bit red, green, blue, alpha per pixel, rows top to bottom, no padding.
///
/// The one image type the preview path passes around: frames decoded from a video, the image a
/// terminal-graphics encoder turns into symbols or a pixel protocol, a contact sheet before it is
/// written as PNG. A value, so a frame can cross threads and sit in the studio's state.
public struct RGBAImage: Sendable, Hashable {
  public let width: Int
  public let height: Int
  /// `width * height * 4` bytes.
  public let pixels: [UInt8]

  /// `pixels` must hold `width * height * 4` bytes; anything else is a programming error.
  public init(width: Int, height: Int, pixels: [UInt8]) {
    precondition(width >= 0 && height >= 0 && pixels.count == width * height * 4, "RGBA buffer size mismatch")
    self.width = width
    self.height = height
    self.pixels = pixels
  }

  public var isEmpty: Bool { width == 0 || height == 0 }

  /// The bytes of a `width` × `height` canvas every pixel of which is `color`: where a sheet, a
  /// caption or a grid is drawn.
  public static func canvas(width: Int, height: Int, color: (UInt8, UInt8, UInt8, UInt8)) -> [UInt8] {
    var pixels = [UInt8](repeating: 0, count: max(0, width) * max(0, height) * 4)
    for offset in stride(from: 0, to: pixels.count, by: 4) {
      pixels[offset] = color.0
      pixels[offset + 1] = color.1
      pixels[offset + 2] = color.2
      pixels[offset + 3] = color.3
    }
    return pixels
  }
}

/// A size in pixels.
public struct PixelSize: Sendable, Hashable {
  public var width: Int
  public var height: Int

  public init(width: Int, height: Int) {
    self.width = width
    self.height = height
  }
}
