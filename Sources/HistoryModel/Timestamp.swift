#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// The history's one timestamp form: UTC, ISO 8601, to the millisecond (`2026-08-01T12:34:56.789Z`).
///
/// A fixed-width form lets the index scanner turn it into an integer without a date parser (100,000
/// of them at open), sorts as text, and is what `jq` users expect. Parsing is lenient enough for a
/// hand-edited file: any number of fraction digits (or none) and a `Z` or `±HH:MM` offset.
///
/// Every function here is total: the instants it deals in are those of the years 0000 to 9999 (what
/// four year digits can say), and anything outside (a damaged index entry, a `Date` of `.infinity`)
/// is clamped into them rather than trapping on overflow.
public enum Timestamp {
  /// Milliseconds since 1970 of `0000-01-01T00:00:00.000Z` through `9999-12-31T23:59:59.999Z`.
  public static let representable: ClosedRange<Int64> = -62_167_219_200_000...253_402_300_799_999

  /// Milliseconds since 1970 for `date`, rounded to the nearest millisecond and clamped into
  /// ``representable`` (NaN reads as 1970).
  package static func milliseconds(_ date: Date) -> Int64 {
    let value = (date.timeIntervalSince1970 * 1000).rounded()
    guard !value.isNaN else { return 0 }
    if value <= Double(representable.lowerBound) { return representable.lowerBound }
    if value >= Double(representable.upperBound) { return representable.upperBound }
    return Int64(value)
  }

  /// `milliseconds` moved into ``representable``.
  package static func clamped(_ milliseconds: Int64) -> Int64 {
    min(max(milliseconds, representable.lowerBound), representable.upperBound)
  }

  package static func date(milliseconds: Int64) -> Date {
    Date(timeIntervalSince1970: Double(milliseconds) / 1000)
  }

  /// `date` as it will read back from the file: rounded to the millisecond.
  package static func rounded(_ date: Date) -> Date {
    Self.date(milliseconds: milliseconds(date))
  }

  public static func format(_ date: Date) -> String {
    format(milliseconds: milliseconds(date))
  }

  /// The UTC calendar fields of `date` (proleptic Gregorian), for views that lay out dates
  /// themselves; no calendar or locale machinery.
  public static func fields(_ date: Date) -> (
    year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millisecond: Int
  ) {
    let milliseconds = milliseconds(date)
    let millis = Int(((milliseconds % 1000) + 1000) % 1000)
    let seconds = (milliseconds - Int64(millis)) / 1000
    let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
    let secondOfDay = Int(seconds - Int64(days) * 86_400)
    let (year, month, day) = civil(fromDays: days)
    return (year, month, day, secondOfDay / 3600, secondOfDay / 60 % 60, secondOfDay % 60, millis)
  }

  package static func format(milliseconds: Int64) -> String {
    let milliseconds = clamped(milliseconds)
    let millis = Int(((milliseconds % 1000) + 1000) % 1000)
    let seconds = (milliseconds - Int64(millis)) / 1000
    let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
    let secondOfDay = Int(seconds - Int64(days) * 86_400)
    let (year, month, day) = civil(fromDays: days)
    var out = [UInt8]()
    out.reserveCapacity(24)
    func digits(_ value: Int, _ count: Int) {
      var divisor = 1
      for _ in 1..<count { divisor *= 10 }
      var rest = value
      while divisor > 0 {
        out.append(UInt8(48 + (rest / divisor) % 10))
        rest %= divisor
        divisor /= 10
      }
    }
    digits(year, 4)
    out.append(UInt8(ascii: "-"))
    digits(month, 2)
    out.append(UInt8(ascii: "-"))
    digits(day, 2)
    out.append(UInt8(ascii: "T"))
    digits(secondOfDay / 3600, 2)
    out.append(UInt8(ascii: ":"))
    digits(secondOfDay / 60 % 60, 2)
    out.append(UInt8(ascii: ":"))
    digits(secondOfDay % 60, 2)
    out.append(UInt8(ascii: "."))
    digits(millis, 3)
    out.append(UInt8(ascii: "Z"))
    return String(decoding: out, as: UTF8.self)
  }

  package static func parse(_ text: String) -> Int64? {
    var text = text
    return text.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
  }

  /// Parses `YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM)`; nil for anything else.
  package static func parse(_ bytes: UnsafeRawBufferPointer) -> Int64? {
    // A cursor value rather than nested functions over a captured `var`: the capture was boxed on
    // the heap and checked for exclusive access on every digit, an eighth of a 100,000-line open.
    var cursor = DigitCursor(bytes: bytes)
    guard let year = cursor.number(4), cursor.literal(UInt8(ascii: "-")), let month = cursor.number(2),
      cursor.literal(UInt8(ascii: "-")), let day = cursor.number(2),
      cursor.literal(UInt8(ascii: "T")) || cursor.literal(UInt8(ascii: " ")), let hour = cursor.number(2),
      cursor.literal(UInt8(ascii: ":")), let minute = cursor.number(2), cursor.literal(UInt8(ascii: ":")),
      let second = cursor.number(2),
      (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
    else { return nil }
    var millis = 0
    if cursor.literal(UInt8(ascii: ".")) {
      var scale = 100
      var sawDigit = false
      while let digit = cursor.digit() {
        millis += digit * scale
        scale /= 10
        sawDigit = true
      }
      guard sawDigit else { return nil }
    }
    var offsetSeconds = 0
    if cursor.literal(UInt8(ascii: "Z")) {
      // UTC.
    } else if let sign = cursor.sign() {
      guard let hours = cursor.number(2), cursor.literal(UInt8(ascii: ":")), let minutes = cursor.number(2)
      else { return nil }
      offsetSeconds = sign * (hours * 3600 + minutes * 60)
    } else {
      return nil
    }
    guard cursor.atEnd else { return nil }
    let days = Self.days(fromCivil: year, month, day)
    let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second - offsetSeconds)
    let result = seconds * 1000 + Int64(millis)
    // A zone offset can push year 0000 or 9999 just outside; such a time has no `Z` form here.
    return representable.contains(result) ? result : nil
  }

  /// A forward-only reader of digits and single bytes.
  private struct DigitCursor {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    var atEnd: Bool { index == bytes.count }

    /// Exactly `count` decimal digits.
    mutating func number(_ count: Int) -> Int? {
      guard index + count <= bytes.count else { return nil }
      var value = 0
      for position in index..<(index + count) {
        let byte = bytes[position]
        guard byte >= 48, byte <= 57 else { return nil }
        value = value * 10 + Int(byte - 48)
      }
      index += count
      return value
    }

    /// One decimal digit, if the next byte is one (the fraction has any number of them).
    mutating func digit() -> Int? {
      guard index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 else { return nil }
      index += 1
      return Int(bytes[index - 1] - 48)
    }

    mutating func literal(_ byte: UInt8) -> Bool {
      guard index < bytes.count, bytes[index] == byte else { return false }
      index += 1
      return true
    }

    /// +1 or -1 for a `+` or `-` (a zone offset), consuming it.
    mutating func sign() -> Int? {
      guard index < bytes.count else { return nil }
      switch bytes[index] {
      case UInt8(ascii: "+"):
        index += 1
        return 1
      case UInt8(ascii: "-"):
        index += 1
        return -1
      default: return nil
      }
    }
  }

  // Howard Hinnant's civil-calendar algorithms: exact for the proleptic Gregorian calendar.
  private static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
  }

  private static func civil(fromDays days: Int) -> (Int, Int, Int) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
  }
}
