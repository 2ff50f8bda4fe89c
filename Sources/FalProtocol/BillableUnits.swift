/// Reads fal's `x-fal-billable-units` header strictly.
///
/// The header is a server's word about money, kept with the record and shown in every view of it.
/// `Double.init` also takes `NaN`, `inf` and `1e308`, which are no bill at all and used to crash
/// the formatters; so only a finite, non-negative number up to ``maximum`` is a count of units, and
/// anything else is "unknown" (the caller says so once, and the record keeps no number).
public enum BillableUnits {
  /// Far above any real MAGI-1 bill (a 720p, 64-step video of 192 frames is a few units).
  public static let maximum = 1_000_000.0

  /// The units in `header`, or nil when it is not a usable count.
  public static func parse(_ header: String) -> Double? {
    let trimmed = header.trimmingWhitespace()
    guard trimmed.utf8.allSatisfy({ isNumberByte($0) }), let value = Double(trimmed), value.isFinite,
      value >= 0, value <= maximum
    else { return nil }
    return value
  }

  /// Digits, sign, point and exponent only: `Double.init` would also take `nan`, `inf` and hex floats.
  private static func isNumberByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"),
      UInt8(ascii: "+"), UInt8(ascii: "-"):
      true
    default:
      false
    }
  }
}
