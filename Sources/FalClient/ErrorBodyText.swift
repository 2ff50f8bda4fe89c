import Foundation

/// The words of an error body that is not fal's JSON, as one line a user can read.
///
/// Proxies and gateways answer errors with HTML pages (nginx's `502 Bad Gateway` is seven lines of
/// markup); printed as they come they break the CLI's one-line failure into a page of tags. The
/// page's `<title>` says it all; other text is kept with its whitespace folded to single spaces.
enum ErrorBodyText {
  /// Characters of body text kept: enough for any gateway's sentence, never a whole page.
  static let limit = 300

  static func summary(of body: Data) -> String {
    let text = String(decoding: body.prefix(16 * 1024), as: UTF8.self)
    let words = title(in: text) ?? text
    let folded = words.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    return folded.count <= limit ? folded : String(folded.prefix(limit - 1)) + "…"
  }

  /// The text of an HTML page's `<title>`, if the body is one and has a non-empty title.
  private static func title(in text: String) -> String? {
    guard let open = text.range(of: "<title>", options: .caseInsensitive),
      let close = text.range(of: "</title>", options: .caseInsensitive, range: open.upperBound..<text.endIndex)
    else { return nil }
    let title = text[open.upperBound..<close.lowerBound]
    return title.contains(where: { !$0.isWhitespace }) ? String(title) : nil
  }
}
