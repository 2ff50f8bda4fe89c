// Debug builds only: these targets reach internal parsers through @testable imports, which a
// release build (compiled without testing) does not allow.
#if DEBUG
  import FalProtocol
  import Foundation
  import HistoryStore

  @testable import StudioUI

  extension FuzzTarget {
    /// Every figure the studio prints, for any number: each line goes through the client's strict
    /// `x-fal-billable-units` parser (which must answer nil or a count in 0...maximum) and, to reach
    /// the formatters with what it refuses, through `Double(text)`; each 8 bytes are also read as a
    /// raw `Double`, and each
    /// number goes through the money, units, duration and date formatters (issue 10 item 1). The
    /// first byte picks one formatter or all of them, so a trap in one does not hide the others.
    public static let formatters = FuzzTarget(
      name: "formatters",
      summary: "BillableUnits.parse (strict, bounded) and Double(text), then Format.price/units/duration/dates",
      dictionary: ["NaN", "inf", "-inf", "1e308", "1e19", "-1e19", "1e17", "0.08", "-40", "\n"],
      run: { bytes in
        let lines = bytes.split(separator: 0x0A).map { String(decoding: $0, as: UTF8.self) }
        for line in lines {
          if let units = BillableUnits.parse(line) {
            precondition(
              units.isFinite && (0...BillableUnits.maximum).contains(units), "BillableUnits.parse let \(units) through")
          }
        }
        var numbers = lines.compactMap { Double($0) }
        var index = 0
        while index + 8 <= bytes.count {
          numbers.append(bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: index, as: Double.self) })
          index += 8
        }
        let only = Int(bytes.first ?? 0) % 8
        for number in numbers { FormatHarness.format(number, only: only < 5 ? only : nil) }
      })
  }

  /// Runs the studio's formatters the way its views do.
  enum FormatHarness {
    /// Every formatter, or only the one numbered `only` (0 price, 1 units, 2 duration, 3 short
    /// date, 4 full date).
    static func format(_ number: Double, only: Int? = nil) {
      let date = Date(timeIntervalSince1970: number)
      if only == nil || only == 0 { _ = Format.price(number) }
      if only == nil || only == 1 { _ = Format.units(number) }
      if only == nil || only == 2 { _ = Format.duration(number) }
      if only == nil || only == 3 { _ = Format.shortDate(date, utcOffset: 0) }
      if only == nil || only == 4 { _ = Format.fullDate(date, utcOffset: 3600) }
    }

    /// A record's figures as `history show` and the details pane print them.
    static func format(_ record: GenerationRecord) {
      format(record.createdAt)
      format(record.updatedAt)
      _ = Format.duration(record.updatedAt.timeIntervalSince(record.createdAt))
      if let billing = record.billing {
        format(billing.units)
        if let cost = billing.cost { format(cost) }
      }
    }

    static func format(_ date: Date) {
      _ = Format.shortDate(date, utcOffset: 0)
      _ = Format.fullDate(date, utcOffset: 3600)
    }
  }
#endif
