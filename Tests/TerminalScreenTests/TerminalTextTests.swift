import TerminalScreen
import Testing

@Suite struct TerminalTextTests {
  @Test func escapeSequencesAreShownInertNotExecuted() {
    let hostile = "step 1\u{1B}]52;c;ZXZpbA==\u{07}\u{1B}[2J done"
    let clean = TerminalText.sanitizedLine(hostile)
    #expect(!clean.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F })
    #expect(clean == "step 1␛]52;c;ZXZpbA==␇␛[2J done")
  }

  @Test func c1ControlsAndBidiOverridesAreReplaced() {
    #expect(TerminalText.sanitizedLine("a\u{9B}31mb\u{202E}c") == "a\u{FFFD}31mb\u{FFFD}c")
  }

  @Test func ordinaryTextWideCharactersAndEmojiPassUnchanged() {
    let text = "猫が走る 🐈‍⬛ café e\u{301}"
    #expect(TerminalText.sanitizedLine(text) == text)
    #expect(TerminalText.isInert(text))
  }

  @Test("the printable-ASCII fast paths agree with the general ones, for strings, substrings and other StringProtocols")
  func fastPathsAgree() {
    let samples = [
      "", "plain prompt, 35mm film ~ grain!", "tab\there", "del\u{7F}", "esc\u{1B}[0m", "caf\u{E9}", "\u{9B}c1",
      "wide 漢字", "e\u{301}", "~}|{",
    ]
    for sample in samples {
      let expected = String(
        String.UnicodeScalarView(
          sample.unicodeScalars.map { scalar -> Unicode.Scalar in
            switch scalar.value {
            case 0x09: " "
            case 0x00...0x1F: Unicode.Scalar(0x2400 + scalar.value)!
            case 0x7F: "\u{2421}"
            case 0x80...0x9F: "\u{FFFD}"
            default: scalar
            }
          }))
      #expect(TerminalText.sanitizedLine(sample) == expected, "\(sample.debugDescription)")
      #expect(TerminalText.sanitizedLine(("[" + sample + "]").dropFirst().dropLast()) == expected)
      #expect(
        TerminalText.sanitizedLine(Array(sample.utf8).withUnsafeBytes { String(decoding: $0, as: UTF8.self) })
          == expected)
      let width = expected.reduce(0) { $0 + TextWidth.of($1) }
      #expect(TextWidth.of(expected) == width)
      #expect(TextWidth.of(("[" + expected + "]").dropFirst().dropLast()) == width)
    }
    #expect(TextWidth.of("plain ascii") == 11)
    #expect(TextWidth.of("漢字 ok") == 7)
  }

  @Test func linesAreSplitOnEveryKindOfBreakAndTabsBecomeSpaces() {
    #expect(TerminalText.sanitizedLines("a\tb\r\nc\rd\ne") == ["a b", "c", "d", "e"])
  }
}
