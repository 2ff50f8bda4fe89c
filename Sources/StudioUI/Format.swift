import FalProtocol
import HistoryModel
import TerminalScreen

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// How times, prices and statuses read on screen, in one place so every pane agrees.
enum Format {
  /// `4:07`, `1:02:03` (``Figures`` formats every number, for any value).
  static func duration(_ seconds: TimeInterval) -> String {
    Figures.duration(seconds)
  }

  /// `08-01 12:34` in the configured zone: enough to tell runs apart in a list.
  static func shortDate(_ date: Date, utcOffset: Int) -> String {
    let parts = civil(date, utcOffset: utcOffset)
    return "\(pad(parts.month))-\(pad(parts.day)) \(pad(parts.hour)):\(pad(parts.minute))"
  }

  /// `2026-08-01 12:34:56`.
  static func fullDate(_ date: Date, utcOffset: Int) -> String {
    let parts = civil(date, utcOffset: utcOffset)
    return
      "\(parts.year)-\(pad(parts.month))-\(pad(parts.day)) \(pad(parts.hour)):\(pad(parts.minute)):\(pad(parts.second))"
  }

  /// `12:34:56` in the configured zone: when a message was shown.
  static func clock(_ date: Date, utcOffset: Int) -> String {
    let parts = civil(date, utcOffset: utcOffset)
    return "\(pad(parts.hour)):\(pad(parts.minute)):\(pad(parts.second))"
  }

  static func price(_ dollars: Double) -> String {
    Figures.dollars(dollars)
  }

  static func units(_ units: Double) -> String {
    Figures.tenths(units)
  }

  static func modeShort(_ mode: MagiMode) -> String {
    switch mode {
    case .textToVideo: "t2v"
    case .imageToVideo: "i2v"
    case .extendVideo: "ext"
    }
  }

  static func glyph(_ status: GenerationStatus) -> String {
    switch status {
    case .submitting: "↑"
    case .queued: "…"
    case .running: "▶"
    case .completed: "✓"
    case .failed: "✗"
    case .cancelled: "⊘"
    case .lost: "?"
    case .unknown: "!"
    }
  }

  static func role(_ status: GenerationStatus) -> StyleRole {
    switch status {
    case .submitting, .queued: .queued
    case .running: .running
    case .completed: .completed
    case .failed: .failed
    case .cancelled: .dim
    case .lost, .unknown: .warning
    }
  }

  static func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

  /// Calendar fields of `date` shifted by `utcOffset`, from the history's own UTC calendar (no
  /// calendar or locale machinery, and one date algorithm in the code base).
  private static func civil(_ date: Date, utcOffset: Int) -> (
    year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int
  ) {
    let fields = Timestamp.fields(date.addingTimeInterval(TimeInterval(utcOffset)))
    return (fields.year, fields.month, fields.day, fields.hour, fields.minute, fields.second)
  }

}
