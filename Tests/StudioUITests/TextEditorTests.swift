import Testing

@testable import StudioUI

@Suite struct TextEditorTests {
  @Test func insertsAndDeletesWholeGraphemeClusters() {
    var editor = TextEditor("猫🐈‍⬛👍🏽é", multiline: true)
    #expect(editor.characters.count == 4)
    editor.backspace()
    #expect(editor.text == "猫🐈‍⬛👍🏽")
    editor.backspace()
    #expect(editor.text == "猫🐈‍⬛")
    editor.moveLeft()
    editor.deleteForward()
    #expect(editor.text == "猫")
    #expect(editor.caret == 1)
  }

  @Test func combiningMarkTypedAfterALetterJoinsIt() {
    var editor = TextEditor("cafe")
    editor.insert("\u{301}")
    #expect(editor.characters.count == 4)
    #expect(editor.text == "cafe\u{301}")
    #expect(editor.caret == 4)
    editor.backspace()
    #expect(editor.text == "caf")
  }

  @Test func pasteKeepsNewlinesAndNormalisesCRLF() {
    var editor = TextEditor("", multiline: true)
    editor.insert("one\r\ntwo\rthree\tend")
    #expect(editor.text == "one\ntwo\nthree end")
    #expect(editor.caret == editor.characters.count)
    var single = TextEditor("")
    single.insert("a\nb")
    #expect(single.text == "a b")
  }

  @Test func insertsInTheMiddle() {
    var editor = TextEditor("hello world")
    editor.moveWordLeft()
    editor.insert("big ")
    #expect(editor.text == "hello big world")
    #expect(editor.caret == 10)
  }

  @Test func wordMotionsAndDeleteWord() {
    var editor = TextEditor("the quick, brown 🦊 jumps")
    editor.moveHome()
    editor.moveWordRight()
    #expect(editor.caret == 3)
    editor.moveWordRight()
    #expect(editor.caret == 9)
    editor.moveWordRight()
    #expect(editor.caret == 16)
    editor.moveWordRight()
    #expect(editor.caret == 18)
    editor.moveEnd()
    editor.deleteWordBackward()
    #expect(editor.text == "the quick, brown 🦊 ")
    editor.deleteWordBackward()
    #expect(editor.text == "the quick, brown ")
    editor.moveWordLeft()
    #expect(editor.caret == 11)
  }

  @Test func homeEndAndVerticalMotionsWorkPerLine() {
    var editor = TextEditor("first line\nsecond\nthird line here", multiline: true)
    editor.moveHome()
    #expect(editor.caret == 18)
    editor.moveEnd()
    #expect(editor.caret == 33)
    let moved1 = editor.moveUp()
    #expect(moved1)
    #expect(editor.caret == 17)  // end of "second" (shorter)
    let moved2 = editor.moveUp()
    #expect(moved2)
    #expect(editor.caret == 6)
    let moved3 = editor.moveUp()
    #expect(!moved3)
    let moved4 = editor.moveDown()
    #expect(moved4)
    #expect(editor.caret == 17)
    editor.moveEnd()
    let moved5 = editor.moveDown()
    #expect(moved5)
    let moved6 = editor.moveDown()
    #expect(!moved6)
  }

  @Test func layoutWrapsAtSpacesAndCountsWideCharacters() {
    var editor = TextEditor("猫が走る and a fox", multiline: true)
    let layout = editor.layout(width: 10)
    #expect(layout.lines == ["猫が走る ", "and a fox"])
    #expect(layout.caretLine == 1)
    #expect(layout.caretColumn == 9)
    editor.moveHome()
    let start = editor.layout(width: 10)
    #expect(start.caretLine == 0 && start.caretColumn == 0)
  }

  @Test func layoutBreaksLongWordsAndMovesAFullLineCaretDown() {
    let editor = TextEditor("abcdefgh", multiline: true)
    let layout = editor.layout(width: 4)
    #expect(layout.lines == ["abcd", "efgh", ""])
    #expect(layout.caretLine == 2 && layout.caretColumn == 0)
  }
}

@Suite struct TextEditorCutTests {
  @Test func cutsReturnWhatTheyRemoveAndStayOnTheirLine() {
    var text = editor("one two\nthree four", caret: 11)  // after "thr"
    #expect(text.killToLineStart() == "thr")
    #expect(text.text == "one two\nee four")
    #expect(text.caret == 8)
    #expect(text.killToLineEnd() == "ee four")
    #expect(text.text == "one two\n")
    text = editor("one two three", caret: 3)
    #expect(text.killWordForward() == " two")
    #expect(text.text == "one three")
    #expect(text.caret == 3)
    #expect(text.deleteWordBackward() == "one")
    #expect(text.text == " three")
    #expect(text.killToLineStart() == "")
  }
}
