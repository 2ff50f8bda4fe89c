import HistoryStore

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// File names a person can recognise in a directory listing: date, the prompt's first words, and the
/// record's whole id, e.g. `2026-11-27_a-red-fox-runs_019ac4d6e2f1a8c03b7e55d2.mp4`. Sorting by name
/// sorts by date. The whole id, not a prefix: record ids are time-ordered, so two jobs with one
/// prompt started within a minute share any short prefix, and one file would serve both records.
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
    let unique = String(id.filter { $0.isASCII && ($0.isLetter || $0.isNumber) }.prefix(64))
    return "\(day(date))_\(slug.isEmpty ? "magi" : slug)_\(unique).mp4"
  }

  static func day(_ date: Date) -> String {
    String(Timestamp.format(date).prefix(10))
  }
}
