import TerminalGraphics
import TerminalScreen
import Testing

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

@Suite struct PixelEncoderTests {
  let image = syntheticFrame(2)

  /// Kitty: APC `_G` sequences; the first carries the action, format and size keys; payloads are
  /// base64 of at most 4,096 bytes; every chunk but the last says `m=1`, the last `m=0`.
  @Test func kittyChunking() throws {
    let text = try #require(PixelEncoder.encode(image, mode: .kitty, columns: 8, rows: 3))
    let chunks = Self.apcChunks(text)
    #expect(chunks.count > 1, "a 80×60 RGBA image is more than one 4 KB chunk")
    let first = try #require(chunks.first)
    let keys = Self.keys(first.control)
    #expect(keys["a"] == "T")
    #expect(keys["f"] == "32")
    #expect(keys["s"] == "80" && keys["v"] == "60", "pixel size is 8 × 10 by 3 × 20: \(keys)")
    #expect(keys["c"] == "8" && keys["r"] == "3")
    for (index, chunk) in chunks.enumerated() {
      let more = Self.keys(chunk.control)["m"]
      #expect(more == (index == chunks.count - 1 ? "0" : "1"), "chunk \(index) of \(chunks.count): m=\(more ?? "none")")
      #expect(chunk.payload.utf8.count <= 4096)
      #expect(chunk.payload.utf8.count % 4 == 0, "base64 in whole groups")
    }
    // chafa encodes each chunk on its own (padded), which kitty accepts: decode them one by one.
    var decoded = 0
    for chunk in chunks where !chunk.payload.isEmpty {
      decoded += try #require(Data(base64Encoded: chunk.payload)).count
    }
    #expect(decoded == 80 * 60 * 4)
  }

  /// iTerm2: one `OSC 1337;File=` with `inline=1`, the size in cells, base64 of an image file.
  @Test func itermInlineFile() throws {
    let text = try #require(PixelEncoder.encode(image, mode: .iterm, columns: 8, rows: 3))
    #expect(text.hasPrefix("\u{1B}]1337;File="))
    #expect(text.hasSuffix("\u{07}") || text.hasSuffix("\u{1B}\\"))
    let header = try #require(text.split(separator: ":", maxSplits: 1).first)
    let arguments = Dictionary(
      header.dropFirst("\u{1B}]1337;File=".count).split(separator: ";").compactMap { pair -> (String, String)? in
        let parts = pair.split(separator: "=", maxSplits: 1)
        return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
      }, uniquingKeysWith: { $1 })
    #expect(arguments["inline"] == "1")
    #expect(arguments["width"] == "8" && arguments["height"] == "3", "\(arguments)")
    let body = String(text.split(separator: ":", maxSplits: 1)[1]).filter {
      $0 != "\u{07}" && $0 != "\u{1B}" && $0 != "\\"
    }
    #expect(Data(base64Encoded: body) != nil)
  }

  /// Sixel: one DCS (`ESC P … q`) ended by ST, raster attributes `"1;1;W;H` with the pixel size.
  @Test func sixelFraming() throws {
    let text = try #require(PixelEncoder.encode(image, mode: .sixel, columns: 8, rows: 3))
    #expect(text.hasPrefix("\u{1B}P"))
    let body = text.dropFirst(2)
    let q = try #require(body.firstIndex(of: "q"))
    #expect(body[..<q].allSatisfy { $0.isNumber || $0 == ";" })
    #expect(text.hasSuffix("\u{1B}\\"))
    let raster = try #require(body[q...].dropFirst().split(separator: "#", maxSplits: 1).first)
    let size = raster.dropFirst().split(separator: ";").map { Int($0) }
    #expect(raster.hasPrefix("\""))
    #expect(size.count == 4 && size[2] == 80 && size[3] == 60, "raster attributes \(raster)")
    #expect(text.filter { $0 == "\u{1B}" }.count == 2, "one DCS, one ST")
  }

  @Test func cellSizeScalesThePicture() throws {
    let text = try #require(
      PixelEncoder.encode(image, mode: .kitty, columns: 4, rows: 2, cellSize: PixelSize(width: 7, height: 15)))
    let keys = Self.keys(try #require(Self.apcChunks(text).first).control)
    #expect(keys["s"] == "28" && keys["v"] == "30")
  }

  @Test func symbolsAndNoneAreNotPixelProtocols() {
    #expect(PixelEncoder.encode(image, mode: .symbols, columns: 4, rows: 2) == nil)
    #expect(PixelEncoder.encode(image, mode: .none, columns: 4, rows: 2) == nil)
    #expect(PixelEncoder.encode(image, mode: .kitty, columns: 0, rows: 2) == nil)
  }

  /// The `ESC _G control ; payload ESC \` sequences in order.
  static func apcChunks(_ text: String) -> [(control: String, payload: String)] {
    text.components(separatedBy: "\u{1B}_G").dropFirst().map { piece in
      let body = piece.components(separatedBy: "\u{1B}\\")[0]
      let parts = body.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)
      return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
    }
  }

  static func keys(_ control: String) -> [String: String] {
    Dictionary(
      control.split(separator: ",").compactMap { pair -> (String, String)? in
        let parts = pair.split(separator: "=", maxSplits: 1)
        return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
      }, uniquingKeysWith: { $1 })
  }
}
