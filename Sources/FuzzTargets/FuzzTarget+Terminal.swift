// Debug builds only: these targets reach internal parsers through @testable imports, which a
// release build (compiled without testing) does not allow.
#if DEBUG
  import TerminalScreen

  @testable import CursesTerminal

  extension FuzzTarget {
    /// What `get_wch` returns, decoded into events. Bytes `0xFE` end a drain (one poll's worth);
    /// `0xFF hi lo` is an ncurses key code (`KEY_MIN` upwards); everything else is UTF-8 text, one
    /// code point per `get_wch` character. Focus decoding is on when the first byte is odd.
    public static let inputDecoder = FuzzTarget(
      name: "input-decoder",
      summary: "InputDecoder over drains of get_wch characters and key codes (escapes, Alt, paste, focus)",
      dictionary: [
        "\u{1B}", "\u{1B}[", "\u{1B}]", "\u{1B}P", "\u{1B}\\", "\u{7}", "\u{1B}[200~", "\u{1B}[201~", "\u{1B}[I",
        "\u{1B}[O", "\u{1B}[99~", "\u{1B}]11;rgb:0000/0000/0000\u{7}", "\u{1B}[?1;2c", "\r\n", "\u{FE}",
      ],
      run: { bytes in
        var decoder = InputDecoder(decodesFocus: (bytes.first ?? 0) & 1 == 1)
        for drain in bytes.split(separator: 0xFE, omittingEmptySubsequences: false) {
          var inputs: [RawInput] = []
          var text: [UInt8] = []
          func flushText() {
            inputs += String(decoding: text, as: UTF8.self).unicodeScalars.map { .character($0.value) }
            text.removeAll()
          }
          var index = drain.startIndex
          while index < drain.endIndex {
            if drain[index] == 0xFF, index + 2 < drain.endIndex {
              flushText()
              inputs.append(.keyCode(0o401 + (Int32(drain[index + 1]) << 8 | Int32(drain[index + 2])) % 0x200))
              index += 3
            } else {
              text.append(drain[index])
              index += 1
            }
          }
          flushText()
          _ = decoder.decode(inputs)
        }
      })
  }
#endif
