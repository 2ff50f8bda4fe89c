import Testing

@testable import CursesTerminal

@Suite struct TerminalEscapesTests {
  @Test func clipboardCopyIsBase64InsideOSC52() {
    #expect(TerminalEscapes.copyToClipboard("https://x/a.mp4")?.text == "\u{1B}]52;c;aHR0cHM6Ly94L2EubXA0\u{07}")
  }

  @Test func tmuxPassthroughWrapsTheSequenceAndDoublesItsEscapes() throws {
    let wrapped = try #require(TerminalEscapes.copyToClipboard("hi")).passedThroughTmux()
    #expect(wrapped.text == "\u{1B}Ptmux;\u{1B}\u{1B}]52;c;aGk=\u{07}\u{1B}\\")
  }

  @Test func tooLongACopyIsRefusedRatherThanFaked() {
    #expect(TerminalEscapes.copyToClipboard(String(repeating: "x", count: 100_000)) == nil)
  }

  @Test func aHostileURLCannotBreakOutOfTheHyperlink() {
    let link = TerminalEscapes.hyperlink("https://x/\u{1B}]52;c;evil\u{07}", label: "video")
    #expect(link.text == "\u{1B}]8;;https://x/]52;c;evil\u{1B}\\video\u{1B}]8;;\u{1B}\\")
  }

  /// A hostile title or body cannot end the notice early (BEL, ESC) nor add a field (`;`).
  @Test func aNotificationCarriesOnlyInertText() {
    let notice = TerminalEscapes.notification(title: "done\u{07}\u{1B}]52;c;x", body: "a;b")
    let payload = notice.text.dropFirst().dropLast()
    #expect(!payload.contains("\u{1B}]52"))
    #expect(notice.text.hasPrefix("\u{1B}]777;notify;"))
    #expect(notice.text.contains("a,b"))
    #expect(notice.text.filter { $0 == "\u{07}" }.count == 2, "one BEL ends each of OSC 777 and OSC 9")
  }

  @Test func base64MatchesTheStandardForEveryPaddingCase() {
    #expect(TerminalEscapes.base64(Array("".utf8)) == "")
    #expect(TerminalEscapes.base64(Array("f".utf8)) == "Zg==")
    #expect(TerminalEscapes.base64(Array("fo".utf8)) == "Zm8=")
    #expect(TerminalEscapes.base64(Array("foo".utf8)) == "Zm9v")
    #expect(TerminalEscapes.base64(Array("foobar".utf8)) == "Zm9vYmFy")
  }
}
