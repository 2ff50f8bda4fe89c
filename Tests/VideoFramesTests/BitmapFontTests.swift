import TerminalScreen
import Testing
import VideoFrames

/// The 5×7 caption font of `compare -o`: every printable ASCII glyph present, five dots wide,
/// told apart from the others, and drawn where and in the colour asked.
@Suite struct BitmapFontTests {
  @Test func everyPrintableCharacterHasItsOwnGlyphOfFiveBySeven() {
    var seen: [[UInt8]: Character] = [:]
    for code in UInt8(32)...126 {
      let character = Character(UnicodeScalar(code))
      let rows = BitmapFont.rows(of: character)
      #expect(rows.count == BitmapFont.glyphHeight, "\(character)")
      #expect(rows.allSatisfy { $0 < 1 << BitmapFont.glyphWidth }, "\(character) is wider than 5 dots")
      #expect(code == 32 || rows.contains { $0 != 0 }, "\(character) is blank")
      if let other = seen.updateValue(character, forKey: rows) { Issue.record("\(character) looks like \(other)") }
    }
  }

  @Test func charactersOutsideASCIIDrawAsAQuestionMark() {
    #expect(BitmapFont.rows(of: "é") == BitmapFont.rows(of: "?"))
    #expect(BitmapFont.rows(of: "★") == BitmapFont.rows(of: "?"))
  }

  /// Renders `text` at `scale` and returns its lit dots as `#` rows.
  private func dots(_ text: String, scale: Int = 1, width: Int) -> [String] {
    let image = BitmapFont.render([(text, (255, 0, 0))], width: width, scale: scale)
    return (0..<image.height).map { y in
      String((0..<image.width).map { x in image.pixels[(y * image.width + x) * 4] == 255 ? "#" : "." })
    }
  }

  @Test func drawsTheGlyphsLeftToRightOneDotAboveTheirLine() {
    let rows = dots("L1", width: 11)
    #expect(rows.count == BitmapFont.lineHeight)
    #expect(rows[0] == "...........")
    #expect(rows[1] == "#.......#..")
    #expect(rows[7] == "#####..###.")
    #expect(rows[8] == "...........")
  }

  @Test func scaleTwoDrawsEachDotAsTwoByTwo() {
    let rows = dots("I", scale: 2, width: 10)
    #expect(rows.count == 2 * BitmapFont.lineHeight)
    #expect(rows[2] == "..######..")
    #expect(rows[3] == "..######..")
    #expect(rows[4] == "....##....")
  }

  @Test func aLineTooLongIsCutWithTwoDots() {
    // Room for 4 characters: "ab" then "..".
    let cut = BitmapFont.render([("abcdefgh", (255, 255, 255))], width: 4 * BitmapFont.advance - 1)
    let whole = BitmapFont.render([("ab..", (255, 255, 255))], width: 4 * BitmapFont.advance - 1)
    #expect(cut == whole)
    #expect(BitmapFont.characters(fitting: 23) == 4)
    #expect(BitmapFont.width(of: "abcd") == 23)
    // Inset by 6: room for 3.
    let inset = BitmapFont.render([("abcdefgh", (255, 255, 255))], width: 23, inset: 6)
    #expect(inset.pixels[(1 * 23 + 5) * 4] == 0, "nothing left of the inset")
    #expect(BitmapFont.render([("a..", (255, 255, 255))], width: 23, inset: 6) == inset)
  }

  @Test func stackPutsImagesUnderEachOtherOnTheBackground() {
    let red = RGBAImage(width: 2, height: 1, pixels: [255, 0, 0, 255, 255, 0, 0, 255])
    let blue = RGBAImage(width: 1, height: 2, pixels: [0, 0, 255, 255, 0, 0, 255, 255])
    let stacked = BitmapFont.stack([red, blue], background: (9, 9, 9, 255))
    #expect(stacked.width == 2 && stacked.height == 3)
    #expect(Array(stacked.pixels[0..<8]) == [255, 0, 0, 255, 255, 0, 0, 255])
    #expect(Array(stacked.pixels[8..<16]) == [0, 0, 255, 255, 9, 9, 9, 255])
  }
}
