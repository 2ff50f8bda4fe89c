import HistoryStore

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
    String(Timestamp.format(date).prefix(10))
  }
}
