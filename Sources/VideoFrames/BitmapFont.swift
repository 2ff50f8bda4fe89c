import TerminalScreen

/// A 5×7 pixel font for printable ASCII, to write captions into PNG images (`compare -o`)
/// without a font library: the images are for sharing, where the terminal's text is not there.
///
/// Source: the glyphs were drawn for this project, cell by cell, after the shapes of the common
/// 5×7 dot-matrix LCD character sets; they are dedicated to the public domain (CC0 1.0). Each
/// glyph is seven rows of five dots, `#` lit, written out below so that a glyph can be read and
/// fixed where it stands; ``rows(of:)`` turns them into bytes (bit 4 is the leftmost dot) once.
/// Characters outside printable ASCII draw as `?`.
public enum BitmapFont {
  public static let glyphWidth = 5
  public static let glyphHeight = 7
  /// Dots from one character's start to the next's, and from one line's top to the next's.
  public static let advance = 6
  public static let lineHeight = 9

  /// A character's seven rows, bit 4 the leftmost dot.
  public static func rows(of character: Character) -> [UInt8] {
    guard let ascii = character.asciiValue, (32...126).contains(ascii) else {
      return table[Int(UInt8(ascii: "?")) - 32]
    }
    return table[Int(ascii) - 32]
  }

  /// The width in pixels of `text` at `scale`.
  public static func width(of text: String, scale: Int = 1) -> Int {
    text.isEmpty ? 0 : (text.count * advance - 1) * scale
  }

  /// How many characters fit in `width` pixels at `scale`.
  public static func characters(fitting width: Int, scale: Int = 1) -> Int {
    max(0, (width / max(1, scale) + 1) / advance)
  }

  /// `lines` drawn top to bottom, left-aligned `inset` pixels in, on an image `width` pixels wide;
  /// a line too long is cut with `…` drawn as `..`. Each dot is `scale` × `scale` pixels.
  public static func render(
    _ lines: [(text: String, color: (UInt8, UInt8, UInt8))], width: Int, scale: Int = 1, inset: Int = 0,
    background: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 255)
  ) -> RGBAImage {
    let scale = max(1, scale)
    let width = max(0, width)
    let height = lines.count * lineHeight * scale
    var pixels = RGBAImage.canvas(width: width, height: height, color: background)
    let inset = max(0, inset)
    let fit = characters(fitting: width - inset, scale: scale)
    for (number, line) in lines.enumerated() {
      var text = Array(line.text)
      if text.count > fit { text = Array(text.prefix(max(0, fit - 2))) + (fit >= 2 ? [".", "."] : []) }
      let top = number * lineHeight * scale + scale
      for (column, character) in text.enumerated() {
        let left = inset + column * advance * scale
        for (row, bits) in rows(of: character).enumerated() {
          for dot in 0..<glyphWidth where bits & (0x10 >> dot) != 0 {
            for dy in 0..<scale {
              for dx in 0..<scale {
                let x = left + dot * scale + dx
                let y = top + row * scale + dy
                guard x < width, y < height else { continue }
                let offset = (y * width + x) * 4
                pixels[offset] = line.color.0
                pixels[offset + 1] = line.color.1
                pixels[offset + 2] = line.color.2
                pixels[offset + 3] = 255
              }
            }
          }
        }
      }
    }
    return RGBAImage(width: width, height: height, pixels: pixels)
  }

  /// `images` one under the other, left-aligned, as wide as the widest, on `background`.
  public static func stack(_ images: [RGBAImage], background: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 255))
    -> RGBAImage
  {
    let width = images.map(\.width).max() ?? 0
    let height = images.map(\.height).reduce(0, +)
    var pixels = RGBAImage.canvas(width: width, height: height, color: background)
    var top = 0
    for image in images {
      for row in 0..<image.height {
        let from = row * image.width * 4
        let to = ((top + row) * width) * 4
        pixels.replaceSubrange(to..<(to + image.width * 4), with: image.pixels[from..<(from + image.width * 4)])
      }
      top += image.height
    }
    return RGBAImage(width: width, height: height, pixels: pixels)
  }

  /// The glyphs of ASCII 32 (space) to 126 (`~`), in order.
  private static let table: [[UInt8]] = glyphs.map { glyph in
    glyph.split(separator: "|").map { row in
      row.reduce(UInt8(0)) { bits, dot in (bits << 1) | (dot == "#" ? 1 : 0) }
    }
  }

  // swift-format-ignore
  private static let glyphs: [String] = [
    ".....|.....|.....|.....|.....|.....|.....",  // space
    "..#..|..#..|..#..|..#..|..#..|.....|..#..",  // !
    ".#.#.|.#.#.|.#.#.|.....|.....|.....|.....",  // "
    ".#.#.|.#.#.|#####|.#.#.|#####|.#.#.|.#.#.",  // #
    "..#..|.####|#.#..|.###.|..#.#|####.|..#..",  // $
    "##...|##..#|...#.|..#..|.#...|#..##|...##",  // %
    ".##..|#..#.|#.#..|.#...|#.#.#|#..#.|.##.#",  // &
    ".##..|..#..|.#...|.....|.....|.....|.....",  // '
    "...#.|..#..|.#...|.#...|.#...|..#..|...#.",  // (
    ".#...|..#..|...#.|...#.|...#.|..#..|.#...",  // )
    ".....|..#..|#.#.#|.###.|#.#.#|..#..|.....",  // *
    ".....|..#..|..#..|#####|..#..|..#..|.....",  // +
    ".....|.....|.....|.....|.##..|..#..|.#...",  // ,
    ".....|.....|.....|#####|.....|.....|.....",  // -
    ".....|.....|.....|.....|.....|.##..|.##..",  // .
    ".....|....#|...#.|..#..|.#...|#....|.....",  // /
    ".###.|#...#|#..##|#.#.#|##..#|#...#|.###.",  // 0
    "..#..|.##..|..#..|..#..|..#..|..#..|.###.",  // 1
    ".###.|#...#|....#|...#.|..#..|.#...|#####",  // 2
    "#####|...#.|..#..|...#.|....#|#...#|.###.",  // 3
    "...#.|..##.|.#.#.|#..#.|#####|...#.|...#.",  // 4
    "#####|#....|####.|....#|....#|#...#|.###.",  // 5
    "..##.|.#...|#....|####.|#...#|#...#|.###.",  // 6
    "#####|....#|...#.|..#..|.#...|.#...|.#...",  // 7
    ".###.|#...#|#...#|.###.|#...#|#...#|.###.",  // 8
    ".###.|#...#|#...#|.####|....#|...#.|.##..",  // 9
    ".....|.##..|.##..|.....|.##..|.##..|.....",  // :
    ".....|.##..|.##..|.....|.##..|..#..|.#...",  // ;
    "...#.|..#..|.#...|#....|.#...|..#..|...#.",  // <
    ".....|.....|#####|.....|#####|.....|.....",  // =
    ".#...|..#..|...#.|....#|...#.|..#..|.#...",  // >
    ".###.|#...#|....#|...#.|..#..|.....|..#..",  // ?
    ".###.|#...#|....#|.##.#|#.#.#|#.#.#|.###.",  // @
    ".###.|#...#|#...#|#...#|#####|#...#|#...#",  // A
    "####.|#...#|#...#|####.|#...#|#...#|####.",  // B
    ".###.|#...#|#....|#....|#....|#...#|.###.",  // C
    "###..|#..#.|#...#|#...#|#...#|#..#.|###..",  // D
    "#####|#....|#....|####.|#....|#....|#####",  // E
    "#####|#....|#....|####.|#....|#....|#....",  // F
    ".###.|#...#|#....|#.###|#...#|#...#|.####",  // G
    "#...#|#...#|#...#|#####|#...#|#...#|#...#",  // H
    ".###.|..#..|..#..|..#..|..#..|..#..|.###.",  // I
    "..###|...#.|...#.|...#.|...#.|#..#.|.##..",  // J
    "#...#|#..#.|#.#..|##...|#.#..|#..#.|#...#",  // K
    "#....|#....|#....|#....|#....|#....|#####",  // L
    "#...#|##.##|#.#.#|#.#.#|#...#|#...#|#...#",  // M
    "#...#|#...#|##..#|#.#.#|#..##|#...#|#...#",  // N
    ".###.|#...#|#...#|#...#|#...#|#...#|.###.",  // O
    "####.|#...#|#...#|####.|#....|#....|#....",  // P
    ".###.|#...#|#...#|#...#|#.#.#|#..#.|.##.#",  // Q
    "####.|#...#|#...#|####.|#.#..|#..#.|#...#",  // R
    ".####|#....|#....|.###.|....#|....#|####.",  // S
    "#####|..#..|..#..|..#..|..#..|..#..|..#..",  // T
    "#...#|#...#|#...#|#...#|#...#|#...#|.###.",  // U
    "#...#|#...#|#...#|#...#|#...#|.#.#.|..#..",  // V
    "#...#|#...#|#...#|#.#.#|#.#.#|#.#.#|.#.#.",  // W
    "#...#|#...#|.#.#.|..#..|.#.#.|#...#|#...#",  // X
    "#...#|#...#|#...#|.#.#.|..#..|..#..|..#..",  // Y
    "#####|....#|...#.|..#..|.#...|#....|#####",  // Z
    ".###.|.#...|.#...|.#...|.#...|.#...|.###.",  // [
    ".....|#....|.#...|..#..|...#.|....#|.....",  // backslash
    ".###.|...#.|...#.|...#.|...#.|...#.|.###.",  // ]
    "..#..|.#.#.|#...#|.....|.....|.....|.....",  // ^
    ".....|.....|.....|.....|.....|.....|#####",  // _
    ".#...|..#..|...#.|.....|.....|.....|.....",  // `
    ".....|.....|.###.|....#|.####|#...#|.####",  // a
    "#....|#....|#.##.|##..#|#...#|#...#|####.",  // b
    ".....|.....|.###.|#....|#....|#...#|.###.",  // c
    "....#|....#|.##.#|#..##|#...#|#...#|.####",  // d
    ".....|.....|.###.|#...#|#####|#....|.###.",  // e
    "..##.|.#..#|.#...|###..|.#...|.#...|.#...",  // f
    ".....|.####|#...#|#...#|.####|....#|.###.",  // g
    "#....|#....|#.##.|##..#|#...#|#...#|#...#",  // h
    "..#..|.....|.##..|..#..|..#..|..#..|.###.",  // i
    "...#.|.....|..##.|...#.|...#.|#..#.|.##..",  // j
    "#....|#....|#..#.|#.#..|##...|#.#..|#..#.",  // k
    ".##..|..#..|..#..|..#..|..#..|..#..|.###.",  // l
    ".....|.....|##.#.|#.#.#|#.#.#|#...#|#...#",  // m
    ".....|.....|#.##.|##..#|#...#|#...#|#...#",  // n
    ".....|.....|.###.|#...#|#...#|#...#|.###.",  // o
    ".....|.....|####.|#...#|####.|#....|#....",  // p
    ".....|.....|.##.#|#..##|.####|....#|....#",  // q
    ".....|.....|#.##.|##..#|#....|#....|#....",  // r
    ".....|.....|.###.|#....|.###.|....#|####.",  // s
    ".#...|.#...|###..|.#...|.#...|.#..#|..##.",  // t
    ".....|.....|#...#|#...#|#...#|#..##|.##.#",  // u
    ".....|.....|#...#|#...#|#...#|.#.#.|..#..",  // v
    ".....|.....|#...#|#...#|#.#.#|#.#.#|.#.#.",  // w
    ".....|.....|#...#|.#.#.|..#..|.#.#.|#...#",  // x
    ".....|.....|#...#|#...#|.####|....#|.###.",  // y
    ".....|.....|#####|...#.|..#..|.#...|#####",  // z
    "...#.|..#..|..#..|.#...|..#..|..#..|...#.",  // {
    "..#..|..#..|..#..|..#..|..#..|..#..|..#..",  // |
    ".#...|..#..|..#..|...#.|..#..|..#..|.#...",  // }
    ".....|.....|.#...|#.#.#|...#.|.....|.....",  // ~
  ]
}
