@testable import TerminalScreen
import Testing

@Suite struct TerminalEscapesTests {
  @Test func clipboardCopyIsBase64InsideOSC52() {
    #expect(TerminalEscapes.copyToClipboard("https://x/a.mp4", insideTmux: false) == "\u{1B}]52;c;aHR0cHM6Ly94L2EubXA0\u{07}")
  }

  @Test func insideTmuxTheSequenceIsWrappedForPassthrough() throws {
    let wrapped = try #require(TerminalEscapes.copyToClipboard("hi", insideTmux: true))
    #expect(wrapped == "\u{1B}Ptmux;\u{1B}\u{1B}]52;c;aGk=\u{07}\u{1B}\\")
  }

  @Test func tooLongACopyIsRefusedRatherThanFaked() {
    #expect(TerminalEscapes.copyToClipboard(String(repeating: "x", count: 100_000), insideTmux: false) == nil)
  }

  @Test func aHostileURLCannotBreakOutOfTheHyperlink() {
    let link = TerminalEscapes.hyperlink("https://x/\u{1B}]52;c;evil\u{07}", label: "video")
    #expect(link == "\u{1B}]8;;https://x/]52;c;evil\u{1B}\\video\u{1B}]8;;\u{1B}\\")
  }

  @Test func base64MatchesTheStandardForEveryPaddingCase() {
    #expect(TerminalEscapes.base64(Array("".utf8)) == "")
    #expect(TerminalEscapes.base64(Array("f".utf8)) == "Zg==")
    #expect(TerminalEscapes.base64(Array("fo".utf8)) == "Zm8=")
    #expect(TerminalEscapes.base64(Array("foo".utf8)) == "Zm9v")
    #expect(TerminalEscapes.base64(Array("foobar".utf8)) == "Zm9vYmFy")
  }
}
