import TerminalScreen

/// A known frame sequence: a horizontal red→blue gradient with a white square moving right by
/// `index` eighths of the width, 64 × 36 pixels (16:9).
func syntheticFrame(_ index: Int, width: Int = 64, height: Int = 36) -> RGBAImage {
  var pixels = [UInt8](repeating: 255, count: width * height * 4)
  let squareX = index * width / 8
  for y in 0..<height {
    for x in 0..<width {
      let offset = (y * width + x) * 4
      let inSquare = x >= squareX && x < squareX + 12 && y >= 12 && y < 24
      pixels[offset] = inSquare ? 255 : UInt8(255 - x * 255 / (width - 1))
      pixels[offset + 1] = inSquare ? 255 : 32
      pixels[offset + 2] = inSquare ? 255 : UInt8(x * 255 / (width - 1))
    }
  }
  return RGBAImage(width: width, height: height, pixels: pixels)
}
