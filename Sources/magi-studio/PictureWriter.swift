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
    (0..<art.height).map { y in
      var out: [UInt8] = []
      run(art, y: y, from: 0, to: art.width, into: &out)
      return String(decoding: out + Self.reset, as: UTF8.self)
    }
  }

  /// The bytes that turn the area showing `previous` into `art` (both the same size), with the
  /// cursor starting at the area's saved top-left: only the runs of changed cells are written.
  /// Bytes, not strings: this runs for every frame of a playback.
  func update(from previous: CellArt?, to art: CellArt) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(art.width * art.height * 8)
    let whole = previous.map { $0.width != art.width || $0.height != art.height } ?? true
    for y in 0..<art.height {
      if whole {
        move(x: 0, y: y, into: &out)
        run(art, y: y, from: 0, to: art.width, into: &out)
        continue
      }
      guard let previous else { continue }
      var x = 0
      while x < art.width {
        if previous[x, y] == art[x, y] {
          x += 1
          continue
        }
        var end = x + 1
        while end < art.width, previous[end, y] != art[end, y] { end += 1 }
        move(x: x, y: y, into: &out)
        run(art, y: y, from: x, to: end, into: &out)
        x = end
      }
    }
    if !out.isEmpty { out += Self.reset }
    return out
  }

  static let reset = Array("\u{1B}[0m".utf8)

  /// Back to the area's top-left (DECRC), then down and right.
  private func move(x: Int, y: Int, into out: inout [UInt8]) {
    out += [0x1B, 0x38]
    if y > 0 { out += Array("\u{1B}[\(y)B".utf8) }
    if x > 0 { out += Array("\u{1B}[\(x)C".utf8) }
  }

  /// Cells `from..<to` of row `y`, an SGR only where the colours change.
  private func run(_ art: CellArt, y: Int, from: Int, to: Int, into out: inout [UInt8]) {
    var current: PlannedStyle?
    for x in from..<to {
      let cell = art[x, y]
      if let colors = cell.colors {
        let style = ColorPlanner.plan(colors, depth: depth)
        if style != current {
          sgr(style, into: &out)
          current = style
        }
      }
      out += cell.text.utf8
    }
  }

  private func sgr(_ style: PlannedStyle, into out: inout [UInt8]) {
    out += [0x1B, 0x5B, 0x30, 0x3B]  // ESC [ 0 ;
    code(style.foreground, base: 30, into: &out)
    out.append(0x3B)
    code(style.background, base: 40, into: &out)
    out.append(0x6D)  // m
  }

  private func code(_ color: PlannedColor, base: Int, into out: inout [UInt8]) {
    switch color {
    case .default: decimal(base + 9, into: &out)
    case .palette(let index) where index < 8: decimal(base + Int(index), into: &out)
    case .palette(let index) where index < 16: decimal(base + 60 + Int(index) - 8, into: &out)
    case .palette(let index):
      decimal(base + 8, into: &out)
      out += [0x3B, 0x35, 0x3B]  // ;5;
      decimal(Int(index), into: &out)
    case .rgb(let r, let g, let b):
      decimal(base + 8, into: &out)
      out += [0x3B, 0x32]  // ;2
      for component in [r, g, b] {
        out.append(0x3B)
        decimal(Int(component), into: &out)
      }
    }
  }

  private func decimal(_ value: Int, into out: inout [UInt8]) {
    if value >= 100 { out.append(UInt8(0x30 + value / 100)) }
    if value >= 10 { out.append(UInt8(0x30 + value / 10 % 10)) }
    out.append(UInt8(0x30 + value % 10))
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
