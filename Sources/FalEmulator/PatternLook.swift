import Foundation

/// How a text-to-video clip looks offline, derived from its prompt: three gradient colours, a
/// drift speed and a seed, all from the prompt's FNV-1a hash, so the same prompt always gives the
/// same clip and different prompts give visibly different ones (even without a font for the words).
struct PatternLook: Sendable, Hashable {
  /// `0xRRGGBB`, as ffmpeg's colour syntax takes them.
  var colors: [String]
  var speed: String
  var seed: Int

  init(prompt: String) {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in prompt.utf8 {
      hash ^= UInt64(byte)
      hash = hash &* 0x0100_0000_01b3
    }
    // Three hues a third of the wheel apart, starting where the hash says: always colourful.
    let hue = Double(hash % 360)
    colors = (0..<3).map { index in Self.hex(hue: hue + Double(index) * 120, lightness: index == 1 ? 0.35 : 0.55) }
    speed = String(format: "%.3f", 0.01 + Double((hash >> 16) % 40) / 1000)
    seed = Int((hash >> 24) % 1_000_000)
  }

  /// A saturated colour of `hue` degrees as `0xRRGGBB`.
  static func hex(hue: Double, lightness: Double) -> String {
    let h = hue.truncatingRemainder(dividingBy: 360) / 60
    let chroma = (1 - abs(2 * lightness - 1)) * 0.9
    let x = chroma * (1 - abs(h.truncatingRemainder(dividingBy: 2) - 1))
    let (r, g, b): (Double, Double, Double) =
      switch Int(h) {
      case 0: (chroma, x, 0)
      case 1: (x, chroma, 0)
      case 2: (0, chroma, x)
      case 3: (0, x, chroma)
      case 4: (x, 0, chroma)
      default: (chroma, 0, x)
      }
    let m = lightness - chroma / 2
    return "0x"
      + [r, g, b].map { String(format: "%02x", Int(((($0 + m) * 255).rounded()).clamped(to: 0...255))) }.joined()
  }
}

extension Comparable {
  fileprivate func clamped(to range: ClosedRange<Self>) -> Self { min(max(self, range.lowerBound), range.upperBound) }
}
