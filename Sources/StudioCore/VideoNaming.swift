#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// File names a person can recognise in a directory listing: date, the prompt's first words, and a
/// short id, e.g. `2026-11-27_a-red-fox-runs_01a21af0.mp4`. Sorting by name sorts by date.
public enum VideoNaming {
  public static func fileName(prompt: String, id: String, date: Date) -> String {
    var slug = ""
    for character in prompt.lowercased() {
      if character.isASCII, character.isLetter || character.isNumber {
        slug.append(character)
      } else if !slug.isEmpty, slug.last != "-" {
        slug.append("-")
      }
      if slug.count >= 40 { break }
    }
    while slug.hasSuffix("-") { slug.removeLast() }
    let shortID = String(id.filter { $0.isLetter || $0.isNumber }.prefix(8))
    return "\(day(date))_\(slug.isEmpty ? "magi" : slug)_\(shortID).mp4"
  }

  static func day(_ date: Date) -> String {
    let days = Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
    // Civil-from-days (Howard Hinnant), so no calendar or locale machinery is needed.
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
    func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
    return "\(y)-\(two(m))-\(two(d))"
  }
}
