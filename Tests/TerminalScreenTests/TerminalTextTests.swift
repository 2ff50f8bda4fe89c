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

  @Test func linesAreSplitOnEveryKindOfBreakAndTabsBecomeSpaces() {
    #expect(TerminalText.sanitizedLines("a\tb\r\nc\rd\ne") == ["a b", "c", "d", "e"])
  }
}
