/// Escape sequences the studio sends on purpose (and only these): clipboard, hyperlinks, notices.
///
/// Each payload is sanitised first, so a hostile URL or title cannot end the sequence early and
/// smuggle its own. Inside tmux, sequences tmux would swallow are wrapped in its passthrough.
public enum TerminalEscapes {
  /// OSC 52: puts `text` on the clipboard of the terminal the user sits at, even over ssh.
  ///
  /// Terminals cap the payload (k9s uses ~75 KB); longer text returns nil so the caller can say
  /// the copy did not happen instead of pretending it did.
  public static func copyToClipboard(_ text: String, insideTmux: Bool, limit: Int = 74_994) -> String? {
    let encoded = base64(Array(text.utf8))
    guard encoded.count <= limit else { return nil }
    let sequence = "\u{1B}]52;c;\(encoded)\u{07}"
    return insideTmux ? tmuxPassthrough(sequence) : sequence
  }

  /// OSC 8: `label` shown as a clickable link to `url` in terminals that support it, plain text elsewhere.
  public static func hyperlink(_ url: String, label: String? = nil) -> String {
    let target = String(url.unicodeScalars.filter { $0.value >= 0x21 && $0.value < 0x7F }.map(Character.init))
    let text = TerminalText.sanitizedLine(label ?? url)
    return "\u{1B}]8;;\(target)\u{1B}\\\(text)\u{1B}]8;;\u{1B}\\"
  }

  /// OSC 777 (and OSC 9 for terminals that only know it): a desktop notification.
  public static func notification(title: String, body: String, insideTmux: Bool) -> String {
    let clean = { (text: String) in TerminalText.sanitizedLine(text).replacing(";", with: ",") }
    let sequence = "\u{1B}]777;notify;\(clean(title));\(clean(body))\u{07}\u{1B}]9;\(clean(title)): \(clean(body))\u{07}"
    return insideTmux ? tmuxPassthrough(sequence) : sequence
  }

  /// tmux passes a sequence through to the outer terminal when it is wrapped and its ESCs doubled.
  static func tmuxPassthrough(_ sequence: String) -> String {
    "\u{1B}Ptmux;" + sequence.replacing("\u{1B}", with: "\u{1B}\u{1B}") + "\u{1B}\\"
  }

  static func base64(_ bytes: [UInt8]) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var output: [UInt8] = []
    output.reserveCapacity((bytes.count + 2) / 3 * 4)
    var index = 0
    while index + 2 < bytes.count {
      let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
      output += [alphabet[Int(value >> 18 & 63)], alphabet[Int(value >> 12 & 63)], alphabet[Int(value >> 6 & 63)], alphabet[Int(value & 63)]]
      index += 3
    }
    let remaining = bytes.count - index
    if remaining == 1 {
      let value = UInt32(bytes[index]) << 16
      output += [alphabet[Int(value >> 18 & 63)], alphabet[Int(value >> 12 & 63)], UInt8(ascii: "="), UInt8(ascii: "=")]
    } else if remaining == 2 {
      let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
      output += [alphabet[Int(value >> 18 & 63)], alphabet[Int(value >> 12 & 63)], alphabet[Int(value >> 6 & 63)], UInt8(ascii: "=")]
    }
    return String(decoding: output, as: UTF8.self)
  }
}
