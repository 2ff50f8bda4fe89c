import TerminalScreen

/// An escape sequence for the terminal the user sits at, built only by ``TerminalEscapes``.
///
/// The initialiser is internal so that nothing outside the terminal module can hand a raw string
/// to the terminal: every sequence that reaches it was built, and sanitised, here.
public struct EscapeSequence: Sendable, Hashable {
  /// The bytes to write, as text.
  public let text: String

  init(_ text: String) {
    self.text = text
  }

  /// BEL: the terminal's bell (tmux passes it on to the outer terminal by itself).
  public static let bell = EscapeSequence("\u{07}")

  /// The sequence wrapped in tmux's DCS passthrough, with its ESCs doubled. tmux (3.3 and later)
  /// forwards it to the outer terminal only when the pane's `allow-passthrough` is on; otherwise it
  /// drops it silently, which is why ``OuterTerminal`` asks tmux first.
  func passedThroughTmux() -> EscapeSequence {
    EscapeSequence("\u{1B}Ptmux;" + text.replacing("\u{1B}", with: "\u{1B}\u{1B}") + "\u{1B}\\")
  }
}

/// Escape sequences the studio sends on purpose (and only these): clipboard, hyperlinks, notices.
///
/// Each payload is sanitised first, so a hostile URL or title cannot end the sequence early and
/// smuggle its own. None of them moves the cursor or, except the hyperlink's label, shows text, so
/// they can be written after a frame without disturbing it (the hyperlink is for the CLI only,
/// which prints it on a line of its own).
public enum TerminalEscapes {
  /// Terminals cap OSC 52 payloads (k9s uses ~75 KB).
  public static let clipboardLimit = 74_994

  /// OSC 52: puts `text` on the clipboard of the terminal the user sits at, even over ssh.
  ///
  /// Longer text than the terminal accepts returns nil, so the caller can say the copy did not
  /// happen instead of pretending it did.
  public static func copyToClipboard(_ text: String, limit: Int = clipboardLimit) -> EscapeSequence? {
    let encoded = base64(Array(text.utf8))
    guard encoded.count <= limit else { return nil }
    return EscapeSequence("\u{1B}]52;c;\(encoded)\u{07}")
  }

  /// OSC 8: `label` shown as a clickable link to `url` in terminals that support it, plain text elsewhere.
  public static func hyperlink(_ url: String, label: String? = nil) -> EscapeSequence {
    let target = String(url.unicodeScalars.filter { $0.value >= 0x21 && $0.value < 0x7F }.map(Character.init))
    let text = TerminalText.sanitizedLine(label ?? url)
    return EscapeSequence("\u{1B}]8;;\(target)\u{1B}\\\(text)\u{1B}]8;;\u{1B}\\")
  }

  /// OSC 777 (and OSC 9 for terminals that only know it): a desktop notification.
  public static func notification(title: String, body: String) -> EscapeSequence {
    let clean = { (text: String) in TerminalText.sanitizedLine(text).replacing(";", with: ",") }
    return EscapeSequence(
      "\u{1B}]777;notify;\(clean(title));\(clean(body))\u{07}\u{1B}]9;\(clean(title)): \(clean(body))\u{07}")
  }

  static func base64(_ bytes: [UInt8]) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var output: [UInt8] = []
    output.reserveCapacity((bytes.count + 2) / 3 * 4)
    var index = 0
    while index + 2 < bytes.count {
      let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
      output += [
        alphabet[Int(value >> 18 & 63)], alphabet[Int(value >> 12 & 63)], alphabet[Int(value >> 6 & 63)],
        alphabet[Int(value & 63)],
      ]
      index += 3
    }
    let remaining = bytes.count - index
    if remaining == 1 {
      let value = UInt32(bytes[index]) << 16
      output += [
        alphabet[Int(value >> 18 & 63)], alphabet[Int(value >> 12 & 63)], UInt8(ascii: "="), UInt8(ascii: "="),
      ]
    } else if remaining == 2 {
      let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
      output += [
        alphabet[Int(value >> 18 & 63)], alphabet[Int(value >> 12 & 63)], alphabet[Int(value >> 6 & 63)],
        UInt8(ascii: "="),
      ]
    }
    return String(decoding: output, as: UTF8.self)
  }
}
