#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SystemPackage
import TerminalScreen

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
    (0..<art.height).map { y in run(art, y: y, from: 0, to: art.width) + "\u{1B}[0m" }
  }

  /// The escapes that turn the area showing `previous` into `art` (both the same size), with the
  /// cursor starting at the area's saved top-left: only the runs of changed cells are written.
  func update(from previous: CellArt?, to art: CellArt) -> String {
    var out = ""
    for y in 0..<art.height {
      var x = 0
      while x < art.width {
        guard let previous, previous.width == art.width, previous.height == art.height else {
          out += move(x: 0, y: y) + run(art, y: y, from: 0, to: art.width)
          break
        }
        if previous[x, y] == art[x, y] {
          x += 1
          continue
        }
        var end = x + 1
        while end < art.width, previous[end, y] != art[end, y] { end += 1 }
        out += move(x: x, y: y) + run(art, y: y, from: x, to: end)
        x = end
      }
    }
    return out.isEmpty ? "" : out + "\u{1B}[0m"
  }

  /// Back to the area's top-left (DECRC), then down and right.
  func move(x: Int, y: Int) -> String {
    "\u{1B}8" + (y > 0 ? "\u{1B}[\(y)B" : "") + (x > 0 ? "\u{1B}[\(x)C" : "")
  }

  /// Cells `from..<to` of row `y`, an SGR only where the colours change.
  private func run(_ art: CellArt, y: Int, from: Int, to: Int) -> String {
    var out = ""
    var current: PlannedStyle?
    for x in from..<to {
      let cell = art[x, y]
      if let colors = cell.colors {
        let style = ColorPlanner.plan(colors, depth: depth)
        if style != current {
          out += sgr(style)
          current = style
        }
      }
      out += cell.text
    }
    return out
  }

  private func sgr(_ style: PlannedStyle) -> String {
    "\u{1B}[0;" + code(style.foreground, base: 30) + ";" + code(style.background, base: 40) + "m"
  }

  private func code(_ color: PlannedColor, base: Int) -> String {
    switch color {
    case .default: "\(base + 9)"
    case .palette(let index) where index < 8: "\(base + Int(index))"
    case .palette(let index) where index < 16: "\(base + 60 + Int(index) - 8)"
    case .palette(let index): "\(base + 8);5;\(index)"
    case .rgb(let r, let g, let b): "\(base + 8);2;\(r);\(g);\(b)"
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
}
