import Foundation

/// The frame size MAGI-1 produces for a resolution and aspect ratio.
///
/// Sizes follow fal's MAGI outputs: 16:9 → 1280×720 / 848×480, 9:16 → 720×1280 / 480×848,
/// 1:1 → 720×720 / 480×480. `auto` takes the ratio of the source image or video nearest to its
/// own, and 16:9 when there is no source (text-to-video, or a source that cannot be read offline).
struct VideoGeometry: Sendable, Hashable, CustomStringConvertible {
  var width: Int
  var height: Int

  static let ratios: [String: Double] = ["16:9": 16.0 / 9.0, "9:16": 9.0 / 16.0, "1:1": 1.0]

  static func resolve(resolution: String, aspectRatio: String, sourceSize: (width: Int, height: Int)?) -> VideoGeometry
  {
    let aspect = aspectRatio == "auto" ? nearestAspect(to: sourceSize) : aspectRatio
    let is480 = resolution == "480p"
    switch aspect {
    case "9:16": return is480 ? VideoGeometry(width: 480, height: 848) : VideoGeometry(width: 720, height: 1280)
    case "1:1": return is480 ? VideoGeometry(width: 480, height: 480) : VideoGeometry(width: 720, height: 720)
    default: return is480 ? VideoGeometry(width: 848, height: 480) : VideoGeometry(width: 1280, height: 720)
    }
  }

  /// The supported ratio closest (in log space, so 2:1 and 1:2 are equally far from 1:1) to `size`.
  static func nearestAspect(to size: (width: Int, height: Int)?) -> String {
    guard let size, size.width > 0, size.height > 0 else { return "16:9" }
    let ratio = log(Double(size.width) / Double(size.height))
    return ["16:9", "9:16", "1:1"].min { lhs, rhs in
      abs(log(ratios[lhs] ?? 1) - ratio) < abs(log(ratios[rhs] ?? 1) - ratio)
    } ?? "16:9"
  }

  var description: String { "\(width)x\(height)" }
}
