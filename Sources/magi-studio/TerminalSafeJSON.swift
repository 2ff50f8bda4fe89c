/// JSON that is safe to print on a terminal and still means the same: a JSON encoder escapes C0
/// controls, but leaves DEL, the C1 controls (U+0080–U+009F, which some terminals read as ESC
/// sequences) and bidirectional overrides as raw characters. They become `\uXXXX` escapes here,
/// which every JSON reader turns back into the same string.
enum TerminalSafeJSON {
  static func escape<Bytes: Collection<UInt8>>(_ encoded: Bytes) -> String {
    let text = String(decoding: encoded, as: UTF8.self)
    guard !text.unicodeScalars.contains(where: needsEscape) else {
      var result = ""
      result.reserveCapacity(text.utf8.count + 16)
      for scalar in text.unicodeScalars {
        if needsEscape(scalar) {
          let hex = String(scalar.value, radix: 16, uppercase: true)
          result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          result.unicodeScalars.append(scalar)
        }
      }
      return result
    }
    return text
  }

  /// Outside strings a JSON text holds only ASCII punctuation, digits, letters and whitespace (left
  /// alone), so every scalar escaped here is inside a string, where an escape is valid.
  private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x00...0x08, 0x0B, 0x0C, 0x0E...0x1F, 0x7F...0x9F, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x061C:
      true
    default: false
    }
  }
}
