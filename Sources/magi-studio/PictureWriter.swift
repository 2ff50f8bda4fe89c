import Foundation
import SystemPackage
import TerminalScreen

#if canImport(Glibc)
  import Glibc
#endif

/// The CLI's pictures on a plain terminal (no ncurses): block-symbol cells as SGR colour runs, and
/// a playback area redrawn in place with only the cells that changed.
///
/// Colours go through ``ColorPlanner`` like the studio's, so a 256- or 16-colour terminal gets
/// colours it has. The area is reserved below the cursor once (newlines scroll the screen if
/// needed), its top-left saved with DECSC, and every frame starts from there.
struct PictureWriter {
  let depth: ColorDepth

  /// The depth from the environment alone, as a CLI without terminfo can tell it: `NO_COLOR` →
  /// none, `COLORTERM=truecolor|24bit` → RGB, a `TERM` naming 256 colours → 256, else 16.
  static func depth(environment: [String: String]) -> ColorDepth {
    if !(environment["NO_COLOR"] ?? "").isEmpty { return .monochrome }
    let colorTerm = (environment["COLORTERM"] ?? "").lowercased()
    if colorTerm == "truecolor" || colorTerm == "24bit" { return .truecolor }
    return (environment["TERM"] ?? "").contains("256") ? .indexed256 : .ansi16
  }

  /// `art` as lines of text with colours, each line ending in a reset.
  func lines(_ art: CellArt) -> [String] {
    art.cells.withUnsafeBufferPointer { cells in
      (0..<art.height).map { y in
        var out = EscapeBytes(capacity: art.width * 24)
        run(cells, from: y * art.width, to: (y + 1) * art.width, into: &out)
        out.append(Self.reset)
        return String(decoding: out.array(), as: UTF8.self)
      }
    }
  }

  /// The bytes that turn the area showing `previous` into `art` (both the same size), with the
  /// cursor starting at the area's saved top-left: only the runs of changed cells are written.
  /// Bytes, not strings: this runs for every frame of a playback, where nearly every cell changes
  /// (a video pans): cells are compared colours first, and an SGR names only the colour that
  /// differs from the cell before (docs/PERFORMANCE.md, "Previews").
  func update(from previous: CellArt?, to art: CellArt) -> [UInt8] {
    var out = EscapeBytes(capacity: art.width * art.height * 24)
    let same = previous.map { $0.width == art.width && $0.height == art.height } ?? false
    art.cells.withUnsafeBufferPointer { cells in
      (same ? previous!.cells : []).withUnsafeBufferPointer { before in
        for y in 0..<art.height {
          let row = y * art.width
          guard same else {
            move(x: 0, y: y, into: &out)
            run(cells, from: row, to: row + art.width, into: &out)
            continue
          }
          var x = 0
          while x < art.width {
            if Self.same(before[row + x], cells[row + x]) {
              x += 1
              continue
            }
            var end = x + 1
            while end < art.width, !Self.same(before[row + end], cells[row + end]) { end += 1 }
            move(x: x, y: y, into: &out)
            run(cells, from: row + x, to: row + end, into: &out)
            x = end
          }
        }
      }
    }
    if !out.isEmpty { out.append(Self.reset) }
    return out.array()
  }

  static let reset = Array("\u{1B}[0m".utf8)

  /// Equal cells, the colours (which differ most often) compared first.
  private static func same(_ a: Cell, _ b: Cell) -> Bool {
    a.colors == b.colors && a.role == b.role && a.text == b.text
  }

  /// Back to the area's top-left (DECRC: also the SGR saved with it, the terminal's default),
  /// then down and right.
  private func move(x: Int, y: Int, into out: inout EscapeBytes) {
    out.reserve(32)
    out.append(0x1B)
    out.append(0x38)
    if y > 0 {
      out.append(0x1B)
      out.append(0x5B)
      out.decimal(y)
      out.append(0x42)  // B
    }
    if x > 0 {
      out.append(0x1B)
      out.append(0x5B)
      out.decimal(x)
      out.append(0x43)  // C
    }
  }

  /// Cells at `from..<to` of `cells`, written after a move or at a line's start (so the SGR
  /// starts at the default), an SGR only where the colours change.
  private func run(_ cells: UnsafeBufferPointer<Cell>, from: Int, to: Int, into out: inout EscapeBytes) {
    var current: PlannedStyle?
    for index in from..<to {
      let cell = cells[index]
      if let colors = cell.colors {
        let style = ColorPlanner.plan(colors, depth: depth)
        if style != current {
          sgr(style, after: current, into: &out)
          current = style
        }
      }
      out.append(cell.text.utf8)
    }
  }

  /// The SGR from `previous` to `style`: the whole style (from a reset) after a move, else only
  /// the colours that changed.
  private func sgr(_ style: PlannedStyle, after previous: PlannedStyle?, into out: inout EscapeBytes) {
    out.reserve(48)
    out.append(0x1B)
    out.append(0x5B)  // ESC [
    var first = true
    if previous == nil {
      out.append(0x30)  // 0: from the default, whatever DECRC restored
      first = false
    }
    if previous?.foreground != style.foreground {
      if !first { out.append(0x3B) }
      code(style.foreground, base: 30, into: &out)
      first = false
    }
    if previous?.background != style.background {
      if !first { out.append(0x3B) }
      code(style.background, base: 40, into: &out)
    }
    out.append(0x6D)  // m
  }

  /// One colour's SGR parameters (at most 16 bytes: `38;2;255;255;255`).
  private func code(_ color: PlannedColor, base: Int, into out: inout EscapeBytes) {
    switch color {
    case .default: out.decimal(base + 9)
    case .palette(let index) where index < 8: out.decimal(base + Int(index))
    case .palette(let index) where index < 16: out.decimal(base + 60 + Int(index) - 8)
    case .palette(let index):
      out.decimal(base + 8)
      out.append(0x3B)
      out.append(0x35)
      out.append(0x3B)  // ;5;
      out.decimal(Int(index))
    case .rgb(let r, let g, let b):
      out.decimal(base + 8)
      out.append(0x3B)
      out.append(0x32)
      out.append(0x3B)  // ;2;
      out.decimal(Int(r))
      out.append(0x3B)
      out.decimal(Int(g))
      out.append(0x3B)
      out.decimal(Int(b))
    }
  }
}

/// The terminal on standard output: its size in cells and pixels, and raw writes to it.
struct OutputTerminal {
  var columns: Int
  var rows: Int
  /// Pixels per cell when the terminal reports its pixel size (`TIOCGWINSZ`), else nil.
  var cellSize: PixelSize?

  /// Standard output's terminal, nil when standard output is not a terminal.
  static func current() -> OutputTerminal? {
    guard isatty(1) == 1 else { return nil }
    var size = winsize()
    guard ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0, size.ws_row > 0 else {
      return OutputTerminal(columns: 80, rows: 24, cellSize: nil)
    }
    let cell =
      size.ws_xpixel > 0 && size.ws_ypixel > 0
      ? PixelSize(width: Int(size.ws_xpixel) / Int(size.ws_col), height: Int(size.ws_ypixel) / Int(size.ws_row)) : nil
    return OutputTerminal(columns: Int(size.ws_col), rows: Int(size.ws_row), cellSize: cell)
  }

  /// Writes `text` as it is: picture escapes this command built, never record fields.
  static func write(_ text: String) {
    _ = try? FileDescriptor.standardOutput.writeAll(text.utf8)
  }

  static func write(_ bytes: [UInt8]) {
    _ = try? FileDescriptor.standardOutput.writeAll(bytes)
  }
}
