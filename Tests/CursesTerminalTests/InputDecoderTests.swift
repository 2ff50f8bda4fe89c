import TerminalScreen
import Testing

@testable import CursesTerminal

/// The pure input side: ncurses codes to keys, Escape versus Alt, bracketed paste, focus.
@Suite struct InputDecoderTests {
  private func chars(_ text: String) -> [RawInput] { text.unicodeScalars.map { .character($0.value) } }

  /// Protects the table against `curses.h`'s numbers: a swapped row would send Up for Down.
  @Test func keyCodesMapToKeysByCursesNumbers() {
    let expected: [(Int32, Key)] = [
      (258, .down), (259, .up), (260, .left), (261, .right), (262, .home), (360, .end),
      (339, .pageUp), (338, .pageDown), (263, .backspace), (330, .delete), (331, .insert),
      (343, .enter), (353, .backTab), (265, .function(1)), (276, .function(12)),
    ]
    for (code, key) in expected {
      #expect(KeyCodeMap.key(forKeyCode: code) == key, "code \(code)")
    }
    #expect(KeyCodeMap.key(forKeyCode: 9999) == nil)
    #expect(KeyCodeMap.key(forKeyCode: 560, extras: [560: .wordLeft]) == .wordLeft)
  }

  /// Control bytes: Ctrl-letters by name, but Tab/Enter/Backspace keep their meaning, in every
  /// spelling terminals use (127 and 8 for Backspace, 10 and 13 for Enter).
  @Test func controlBytesMapToNamedKeys() {
    #expect(KeyCodeMap.key(forCharacter: 1) == .ctrl("a"))
    #expect(KeyCodeMap.key(forCharacter: 16) == .ctrl("p"))
    #expect(KeyCodeMap.key(forCharacter: 26) == .ctrl("z"))
    #expect(KeyCodeMap.key(forCharacter: 9) == .tab)
    #expect(KeyCodeMap.key(forCharacter: 10) == .enter)
    #expect(KeyCodeMap.key(forCharacter: 13) == .enter)
    #expect(KeyCodeMap.key(forCharacter: 8) == .backspace)
    #expect(KeyCodeMap.key(forCharacter: 127) == .backspace)
    #expect(KeyCodeMap.key(forCharacter: 0x9B) == nil)
    #expect(KeyCodeMap.key(forCharacter: 0x6F22) == .character("漢"))
  }

  /// A lone ESC at the end of a drain is Escape; ESC plus a character in the same drain is Alt.
  @Test func escapeAloneVersusAlt() {
    var decoder = InputDecoder()
    #expect(decoder.decode([.character(27)]) == [.key(.escape)])
    #expect(decoder.decode(chars("\u{1B}x")) == [.key(.alt("x"))])
    #expect(decoder.decode(chars("\u{1B}\u{1B}")) == [.key(.escape), .key(.escape)])
    #expect(decoder.decode(chars("a\u{1B}")) == [.key(.character("a")), .key(.escape)])
    // ESC then Enter is not Alt-Enter in our key set: both keys, in order.
    #expect(decoder.decode(chars("\u{1B}\r")) == [.key(.escape), .key(.enter)])
  }

  /// Alt-Left/Right (ESC before the arrow) and terminfo's kLFT5/kRIT5 codes are word motions.
  @Test func altAndCtrlArrowsAreWordMotions() {
    var decoder = InputDecoder(extraKeys: [560: .wordLeft, 575: .wordRight])
    #expect(decoder.decode([.character(27), .keyCode(260)]) == [.key(.wordLeft)])
    #expect(decoder.decode([.character(27), .keyCode(261)]) == [.key(.wordRight)])
    #expect(decoder.decode([.keyCode(560), .keyCode(575)]) == [.key(.wordLeft), .key(.wordRight)])
    #expect(decoder.decode([.character(27), .keyCode(259)]) == [.key(.up)])
  }

  /// A paste is one event, whatever the drains cut it into, and its text is never run as keys.
  @Test(arguments: 1...12)
  func bracketedPasteSplitAnywhereIsOneEvent(cut: Int) {
    let body = chars("line one\r\nQ漢\u{1B}[A\rtwo\u{1B}[201~")
    var decoder = InputDecoder()
    var events = decoder.decode(chars("x\u{1B}[200~") + body.prefix(cut))
    #expect(decoder.isInsidePaste)
    events += decoder.decode(Array(body.dropFirst(cut)))
    events += decoder.decode(chars("y"))
    #expect(
      events == [.key(.character("x")), .key(.paste("line one\nQ漢\u{1B}[A\ntwo")), .key(.character("y"))])
    #expect(!decoder.isInsidePaste)
  }

  /// Cut inside the end marker too: the marker is still recognised.
  @Test func pasteEndMarkerSplitAcrossDrains() {
    var decoder = InputDecoder()
    var events = decoder.decode(chars("\u{1B}[200~abc\u{1B}[2"))
    #expect(events.isEmpty)
    events += decoder.decode(chars("01~"))
    #expect(events == [.key(.paste("abc"))])
  }

  /// An ESC [ that is not a paste or focus marker comes out as Alt-[ and the rest as typed.
  /// A sequence cut off by the end of a drain is dropped whole; only `ESC [` alone is Alt-[.
  @Test func unfinishedSequencesAreDroppedNotTyped() {
    var decoder = InputDecoder()
    #expect(decoder.decode(chars("\u{1B}[2")) == [])
    #expect(decoder.decode(chars("\u{1B}[")) == [.key(.alt("["))])
    #expect(decoder.decode(chars("\u{1B}]")) == [.key(.alt("]"))])
    #expect(decoder.decode(chars("\u{1B}]0;tit")) == [])
    #expect(decoder.decode(chars("a")) == [.key(.character("a"))], "the next drain starts afresh")
    #expect(decoder.decode(chars("\u{1B}[\r")) == [.key(.alt("[")), .key(.enter)])
  }

  /// Focus reports only decode when focus reporting is on; otherwise they are ignored, not typed.
  @Test func focusReportsNeedFocusMode() {
    var on = InputDecoder(decodesFocus: true)
    #expect(on.decode(chars("\u{1B}[I\u{1B}[O")) == [.focus(true), .focus(false)])
    var off = InputDecoder()
    #expect(off.decode(chars("\u{1B}[I")) == [])
  }

  /// Replies and keys ncurses does not know are consumed whole: nothing of them reaches a field.
  @Test(arguments: [
    "\u{1B}[99~", "\u{1B}[x", "\u{1B}[?1;2c", "\u{1B}[>41;330;0c", "\u{1B}[1;5P", "\u{1B}[38;2;1;2;3m",
    "\u{1B}]0;x\u{07}", "\u{1B}]11;rgb:0000/0000/0000\u{1B}\\", "\u{1B}P1$r0m\u{1B}\\", "\u{1B}_Gi=1;OK\u{1B}\\",
    "\u{1B}^private\u{1B}\\", "\u{1B}X sos \u{07}",
    "\u{1B}[" + String(repeating: "1;", count: 5000) + "m",
  ])
  func unknownSequencesAreConsumedWhole(_ sequence: String) {
    var decoder = InputDecoder()
    #expect(decoder.decode(chars("a" + sequence + "b")) == [.key(.character("a")), .key(.character("b"))])
  }

  @Test func anEscapeInsideAStringEndsItAndStartsTheNextSequence() {
    var decoder = InputDecoder()
    #expect(decoder.decode(chars("\u{1B}]0;x\u{1B}[99~z")) == [.key(.character("z"))])
    #expect(decoder.decode(chars("\u{1B}]0;x\u{1B}q")) == [.key(.alt("q"))])
  }

  @Test func aPasteStartStillOpensAPasteAfterUnknownSequences() {
    var decoder = InputDecoder()
    let events = decoder.decode(chars("\u{1B}[99~\u{1B}[200~q\u{1B}[201~"))
    #expect(events == [.key(.paste("q"))])
  }

  @Test func combiningMarkJoinsPreviousCharacter() {
    var decoder = InputDecoder()
    #expect(decoder.decode([.character(0x65), .character(0x301)]) == [.key(.character("e\u{301}"))])
  }

  /// Found by the input-decoder fuzz target: a zero-width scalar that does not combine (U+200B)
  /// after a letter trapped when joined into one Character; it is a key of its own.
  @Test func aZeroWidthScalarThatDoesNotCombineIsAKeyOfItsOwn() {
    var decoder = InputDecoder()
    let events = decoder.decode([.character(0x61), .character(0x200B)])
    #expect(events.count == 2)
    #expect(events.first == .key(.character("a")))
  }

  /// Mouse and resize events the terminal decoded pass through in order between keys.
  @Test func passThroughEventsKeepTheirPlace() {
    var decoder = InputDecoder()
    let mouse = TerminalEvent.mouse(MouseEvent(kind: .press, x: 3, y: 4))
    #expect(
      decoder.decode([.character(0x61), .event(mouse), .event(.resized(width: 9, height: 9))])
        == [.key(.character("a")), mouse, .resized(width: 9, height: 9)])
  }

  /// getmouse button bits map to press, release and the wheel.
  @Test func mouseButtonStatesMapToEvents() {
    let masks = MouseMasks.ncurses
    #expect(masks.event(buttons: masks.press, x: 1, y: 2) == MouseEvent(kind: .press, x: 1, y: 2))
    #expect(masks.event(buttons: masks.release, x: 1, y: 2)?.kind == .release)
    #expect(masks.event(buttons: masks.scrollUp, x: 0, y: 0)?.kind == .scrollUp)
    #expect(masks.event(buttons: masks.scrollDown, x: 0, y: 0)?.kind == .scrollDown)
    #expect(masks.event(buttons: 0, x: 0, y: 0) == nil)
  }
}
