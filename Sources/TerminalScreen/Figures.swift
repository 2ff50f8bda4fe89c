/// How money, billing units, sizes, durations and percentages read, for the CLI and the studio alike.
///
/// Every function is total: any `Double` or `Int` gives text, never a trap. The numbers come from
/// servers and files (a billing header of `1e19`, a price of `1e17` in a config, a history record
/// written by an older version), and converting such a `Double` to `Int` traps; so each figure
/// checks its range first and shows what it cannot format exactly as `?` (not a number) or in
/// exponent form (`1e+19`), which is still the truth.
public enum Figures {
  /// Magnitudes below this are formatted digit by digit (exact in a `Double` and far from `Int.max`
  /// after scaling by 100); larger ones are shown in exponent form.
  static let exactLimit = 1e15

  /// Shown for NaN, and for a figure that is not known.
  public static let unknown = "?"

  /// One decimal: `4.0`, `12.5`, `-0.4`.
  public static func tenths(_ value: Double) -> String {
    fixed(value, scale: 10)
  }

  /// Billing units: whole numbers bare (`12`), others with one decimal (`2.5`).
  public static func units(_ value: Double) -> String {
    if value.isFinite, abs(value) < exactLimit, value == value.rounded() { return String(Int(value)) }
    return tenths(value)
  }

  /// US dollars with cents: `$0.96`, `-$0.40`, `$1e+17`.
  public static func dollars(_ value: Double) -> String {
    let digits = fixed(value, scale: 100)
    return digits.hasPrefix("-") ? "-$" + digits.dropFirst() : "$" + digits
  }

  /// A byte count in decimal units: `512 B`, `4.2 MB`.
  public static func bytes(_ count: Int64) -> String {
    let names = ["B", "KB", "MB", "GB", "TB", "PB", "EB"]
    guard count >= 1000 else { return "\(count) B" }
    var value = Double(count)
    var unit = 0
    while value >= 1000, unit < names.count - 1 {
      value /= 1000
      unit += 1
    }
    return tenths(value) + " " + names[unit]
  }

  /// `4:07`, `1:02:03`; negative is `0:00`, NaN is `?:??`.
  public static func duration(_ seconds: Double) -> String {
    guard !seconds.isNaN else { return "?:??" }
    let total = seconds >= exactLimit ? Int(exactLimit) : max(0, Int(max(0, seconds).rounded(.down)))
    let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
    let twoDigits = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
    return hours > 0 ? "\(hours):\(twoDigits(minutes)):\(twoDigits(secs))" : "\(minutes):\(twoDigits(secs))"
  }

  /// Whole percent of `done` out of `total`, within 0…100; nil when the total is not known.
  public static func percent(_ done: Int64, of total: Int64) -> Int? {
    guard total > 0 else { return nil }
    let fraction = min(1, max(0, Double(done) / Double(total)))
    return Int(fraction * 100)
  }

  /// `value` with `log10(scale)` decimals, rounded half away from zero.
  private static func fixed(_ value: Double, scale: Int) -> String {
    guard value.isFinite else { return value.isNaN ? unknown : value < 0 ? "-∞" : "∞" }
    guard abs(value) < exactLimit else { return "\(value)" }
    let scaled = Int((abs(value) * Double(scale)).rounded())
    let sign = value < 0 && scaled != 0 ? "-" : ""
    let fraction = String(scaled % scale)
    let width = String(scale - 1).count
    return sign + "\(scaled / scale)." + String(repeating: "0", count: width - fraction.count) + fraction
  }
}
