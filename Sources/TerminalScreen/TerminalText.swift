/// Makes untrusted text (logs, prompts, error bodies from the network) inert before it reaches a
/// terminal.
///
/// A log line is attacker-controlled: an escape sequence in it could retitle the window, rewrite the
/// clipboard (OSC 52), hide text or move the cursor. Control characters are replaced by their visible
/// Unicode "control pictures" (ESC shows as `␛`), C1 controls and bidirectional overrides by `�`, so
/// the user sees that something odd was sent without the terminal acting on it.
public enum TerminalText {
  /// One display line: every control character, newlines included, is made visible.
  public static func sanitizedLine(_ text: Substring) -> String {
    // Printable ASCII, nearly every line a frame shows, needs no change: views sanitise every row
    // of every frame, and rebuilding each scalar was most of a keystroke's cost.
    if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return String(text) }
    var result = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
      result.append(inert(scalar))
    }
    return String(result)
  }

  public static func sanitizedLine(_ text: String) -> String {
    sanitizedLine(text[...])
  }

  public static func sanitizedLine<S: StringProtocol>(_ text: S) -> String {
    sanitizedLine(String(text)[...])
  }

  /// Multi-line text split on its line breaks, each line sanitised.
  public static func sanitizedLines<S: StringProtocol>(_ text: S) -> [String] {
    text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
      .map { sanitizedLine($0) }
  }

  /// True when `text` can go to a terminal as it is.
  public static func isInert<S: StringProtocol>(_ text: S) -> Bool {
    text.unicodeScalars.allSatisfy { inert($0) == $0 }
  }

  /// The scalar to show for `scalar`: itself, or a visible stand-in for a control or override.
  private static func inert(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
    switch scalar.value {
    case 0x09:
      return " "
    case 0x00...0x1F:
      // U+2400 CONTROL PICTURE FOR NULL onwards mirrors C0 one to one.
      return Unicode.Scalar(0x2400 + scalar.value) ?? "\u{FFFD}"
    case 0x7F:
      return "\u{2421}"
    case 0x80...0x9F, 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C:
      return "\u{FFFD}"
    default:
      return scalar
    }
  }
}
