import TerminalScreen

/// A text being edited, as a value: the characters and a caret, moved and edited by grapheme cluster.
///
/// Swift's `Character` is a whole extended grapheme cluster, so an emoji with its modifiers, a base
/// letter with its combining accents or a CJK ideograph is one step for the caret and one deletion
/// for backspace, whatever its width on screen. Keeping the text as an array of clusters makes every
/// edit O(1) to reason about; after an insertion the text is re-segmented, so a combining mark typed
/// after a letter joins it exactly as it would in the String.
public struct TextEditor: Sendable, Hashable {
  public private(set) var characters: [Character]
  /// Index into ``characters``: the caret sits before `characters[caret]`.
  public private(set) var caret: Int
  /// False for single-line fields: newlines (typed or pasted) become spaces.
  public let multiline: Bool

  public init(_ text: String = "", multiline: Bool = false) {
    self.multiline = multiline
    let clean = Self.normalise(text, multiline: multiline)
    characters = Array(clean)
    caret = characters.count
  }

  public var text: String { String(characters) }
  public var isEmpty: Bool { characters.isEmpty }

  /// Replaces the whole text and puts the caret at its end.
  public mutating func setText(_ text: String) {
    self = TextEditor(text, multiline: multiline)
  }

  // MARK: - Editing

  /// Inserts typed or pasted text at the caret (newlines kept in multi-line editors).
  public mutating func insert(_ text: String) {
    let clean = Self.normalise(text, multiline: multiline)
    guard !clean.isEmpty else { return }
    let prefix = String(characters[..<caret]) + clean
    let joined = prefix + String(characters[caret...])
    characters = Array(joined)
    caret = min(Array(prefix).count, characters.count)
  }

  public mutating func backspace() {
    guard caret > 0 else { return }
    characters.remove(at: caret - 1)
    caret -= 1
  }

  public mutating func deleteForward() {
    guard caret < characters.count else { return }
    characters.remove(at: caret)
  }

  /// Ctrl-W: cuts back to the start of the word before the caret.
  /// - Returns: the text cut, for Ctrl-Y (as every `kill…` below).
  @discardableResult
  public mutating func deleteWordBackward() -> String {
    cut(wordStart(before: caret)..<caret)
  }

  /// Ctrl-U: cuts from the start of the line to the caret.
  @discardableResult
  public mutating func killToLineStart() -> String {
    cut(lineStart(of: caret)..<caret)
  }

  /// Ctrl-K: cuts from the caret to the end of the line (the newline stays).
  @discardableResult
  public mutating func killToLineEnd() -> String {
    cut(caret..<lineEnd(of: caret))
  }

  /// Alt-d: cuts from the caret to the end of the next word (where Alt-f would move).
  @discardableResult
  public mutating func killWordForward() -> String {
    let start = caret
    moveWordRight()
    let end = caret
    caret = start
    return cut(start..<end)
  }

  private mutating func cut(_ range: Range<Int>) -> String {
    let removed = String(characters[range])
    characters.removeSubrange(range)
    caret = range.lowerBound
    return removed
  }

  // MARK: - Motions

  public mutating func moveLeft() { caret = max(0, caret - 1) }
  public mutating func moveRight() { caret = min(characters.count, caret + 1) }

  /// Start of the current line.
  public mutating func moveHome() { caret = lineStart(of: caret) }

  /// End of the current line.
  public mutating func moveEnd() { caret = lineEnd(of: caret) }

  public mutating func moveWordLeft() { caret = wordStart(before: caret) }

  /// Past the end of the next word (as Emacs and readline move).
  public mutating func moveWordRight() {
    var index = caret
    while index < characters.count, !Self.isWordCharacter(characters[index]) { index += 1 }
    while index < characters.count, Self.isWordCharacter(characters[index]) { index += 1 }
    caret = index
  }

  /// One line up, at the same column when it is long enough.
  /// - Returns: false when the caret is already on the first line (so a form can move to the
  ///   previous field instead).
  @discardableResult
  public mutating func moveUp() -> Bool {
    let start = lineStart(of: caret)
    guard start > 0 else { return false }
    let column = caret - start
    let previousStart = lineStart(of: start - 1)
    caret = min(previousStart + column, start - 1)
    return true
  }

  /// One line down, at the same column when it is long enough; false on the last line.
  @discardableResult
  public mutating func moveDown() -> Bool {
    let end = lineEnd(of: caret)
    guard end < characters.count else { return false }
    let column = caret - lineStart(of: caret)
    let nextStart = end + 1
    caret = min(nextStart + column, lineEnd(of: nextStart))
    return true
  }

  // MARK: - Layout

  /// The text soft-wrapped to `width` columns, and where the caret falls in it.
  ///
  /// Lines break at the last space that fits when there is one (words stay whole), otherwise at
  /// the column limit; wide characters never straddle a break.
  public func layout(width: Int) -> (lines: [String], caretLine: Int, caretColumn: Int) {
    let width = max(2, width)
    var lines: [String] = []
    var caretLine = 0
    var caretColumn = 0
    var current: [Character] = []
    var currentWidth = 0
    var currentStartIndex = 0

    func flush(nextStart: Int) {
      lines.append(String(current))
      current = []
      currentWidth = 0
      currentStartIndex = nextStart
    }

    var index = 0
    while index <= characters.count {
      if index == caret {
        caretLine = lines.count
        caretColumn = currentWidth
      }
      guard index < characters.count else { break }
      let character = characters[index]
      if character == "\n" {
        flush(nextStart: index + 1)
        index += 1
        continue
      }
      let glyphWidth = max(1, TextWidth.of(TerminalText.sanitizedLine(String(character))))
      if currentWidth + glyphWidth > width {
        // Break at the last space of the line when there is one, carrying the word over.
        if let space = current.lastIndex(of: " "), space > 0 {
          let carried = Array(current[(space + 1)...])
          current = Array(current[...space])
          let carriedStart = currentStartIndex + space + 1
          lines.append(String(current))
          current = carried
          currentStartIndex = carriedStart
          currentWidth = TextWidth.of(String(carried))
          if caret >= carriedStart, caret < index {
            caretLine = lines.count
            caretColumn = TextWidth.of(String(characters[carriedStart..<caret]))
          }
        } else {
          flush(nextStart: index)
        }
        if index == caret {
          caretLine = lines.count
          caretColumn = currentWidth
        }
      }
      current.append(character)
      currentWidth += glyphWidth
      index += 1
    }
    lines.append(String(current))
    // A caret at the very end of a full line shows at the start of the next one.
    if caretColumn >= width {
      caretLine += 1
      caretColumn = 0
      if caretLine >= lines.count { lines.append("") }
    }
    return (lines, caretLine, caretColumn)
  }

  // MARK: - Helpers

  private func lineStart(of index: Int) -> Int {
    var start = min(index, characters.count)
    while start > 0, characters[start - 1] != "\n" { start -= 1 }
    return start
  }

  private func lineEnd(of index: Int) -> Int {
    var end = min(index, characters.count)
    while end < characters.count, characters[end] != "\n" { end += 1 }
    return end
  }

  private func wordStart(before index: Int) -> Int {
    var start = index
    while start > 0, !Self.isWordCharacter(characters[start - 1]) { start -= 1 }
    while start > 0, Self.isWordCharacter(characters[start - 1]) { start -= 1 }
    return start
  }

  static func isWordCharacter(_ character: Character) -> Bool {
    !(character.isWhitespace || character.isPunctuation || character.isSymbol && character.isASCII)
  }

  /// Line breaks become `\n` (a pasted `\r\n` is one Swift Character and would otherwise be one
  /// unmovable cluster); tabs become spaces; single-line fields get spaces for newlines.
  static func normalise(_ text: String, multiline: Bool) -> String {
    var result = ""
    for character in text {
      switch character {
      case "\r\n", "\r", "\n": result.append(multiline ? "\n" : " ")
      case "\t": result.append(" ")
      default: result.append(character)
      }
    }
    return result
  }
}
