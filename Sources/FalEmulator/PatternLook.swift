import Foundation

/// How a text-to-video clip looks offline, derived from its request as a model's output is: three
/// gradient colours and a drift speed from the prompt's FNV-1a hash (the subject), and where the
/// gradients lie from the prompt and the seed together (the composition). The same prompt and seed
/// always give the same clip; other prompts give visibly different colours (even without a font
/// for the words), and other seeds of one prompt its colours laid out anew, so a seed comparison
/// offline shows takes that differ.
struct PatternLook: Sendable, Hashable {
  /// `0xRRGGBB`, as ffmpeg's colour syntax takes them.
  var colors: [String]
  var speed: String
  /// ffmpeg's `gradients` seed: where the colour points start and how they move.
  var layout: Int

  init(prompt: String, seed: Int) {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in prompt.utf8 {
      hash ^= UInt64(byte)
      hash = hash &* 0x0100_0000_01b3
    }
    // Three hues a third of the wheel apart, starting where the hash says: always colourful.
    let hue = Double(hash % 360)
    colors = (0..<3).map { index in Self.hex(hue: hue + Double(index) * 120, lightness: index == 1 ? 0.35 : 0.55) }
    speed = String(format: "%.3f", 0.01 + Double((hash >> 16) % 40) / 1000)
    // SplitMix64's finaliser over both, so neighbouring seeds give unrelated layouts.
    var mixed = (hash >> 24) ^ UInt64(truncatingIfNeeded: seed) &* 0x9E37_79B9_7F4A_7C15
    mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
    mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
    layout = Int((mixed ^ (mixed >> 31)) % 1_000_000)
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
