import Foundation
import HistoryModel
import TerminalGraphics
import TerminalScreen
import VideoFrames

extension PreviewDisplay {
  /// `compare` in the terminal: the records' sheets in a grid that fits the screen, each with its
  /// id and the parameters that differ under it. A pixel protocol gets the `-o` picture itself
  /// (captions drawn in it); symbols get cells, and the captions as text, sanitised.
  func showComparison(
    _ records: [GenerationRecord], comparison: RecordComparison, videos: [(path: String, sha256: String?)],
    frames: Int?, source: FrameSource, cache: PreviewCache
  ) async throws {
    if mode.isPixelProtocol {
      let image = try await CompareImage.make(
        records, comparison: comparison, videos: videos, frames: frames ?? 4, source: source, cache: cache)
      let cells = self.cells(for: PixelSize(width: image.width, height: image.height), maxColumns: columns)
      OutputTerminal.write(pixels(image, columns: cells.columns, rows: cells.rows) + "\n")
      return
    }
    let captionRows = 1 + max(1, comparison.differing.count)
    // Laid out for sheets of three 16:9 frames (a frame is about 32 × 9 cells' shape); each cell
    // then holds as many frames as its width allows, unless --sheet says.
    let grid = CompareGrid(
      count: records.count, width: columns, height: maxRows, item: (3 * 32 + 2, 9), caption: captionRows)
    let count = frames ?? max(1, min(4, (grid.cellWidth + 1) / 13))
    let frameColumns = (grid.cellWidth - (count - 1)) / count
    let frameRows = grid.cellHeight - captionRows
    guard frameColumns >= 2, frameRows >= 1 else {
      throw CommandFailure(
        message: "no preview: \(columns)×\(maxRows) cells cannot hold \(records.count) sheets of \(count) frames",
        code: ExitStatus.invalidInput)
    }
    let writer = PictureWriter(depth: depth)
    var cells: [[String]] = []
    for (index, video) in videos.enumerated() {
      let keyframes = try await previewing {
        try await cache.keyframes(
          of: URL(fileURLWithPath: video.path), sha256: video.sha256, count: count,
          fitting: pixelBox(columns: frameColumns, rows: frameRows), source: source)
      }
      var lines = sheetLines(
        keyframes.map(\.image), frameColumns: frameColumns, frameRows: frameRows, writer: writer,
        width: grid.cellWidth)
      let record = records[index]
      var caption = [(record.starred ? "★ " : "") + record.id]
      caption +=
        comparison.values[index].isEmpty
        ? ["same parameters"] : comparison.values[index].map { "\($0.name) \($0.value)" }
      for line in caption.prefix(captionRows) {
        lines.append(
          Self.padded(TextWidth.truncate(TerminalText.sanitizedLine(line), to: grid.cellWidth), grid.cellWidth))
      }
      cells.append(lines)
    }
    var text = ""
    for row in 0..<grid.rows {
      let members = cells[(row * grid.columns)..<min(cells.count, (row + 1) * grid.columns)]
      let height = members.map(\.count).max() ?? 0
      for line in 0..<height {
        text +=
          members.map { $0.indices.contains(line) ? $0[line] : String(repeating: " ", count: grid.cellWidth) }
          .joined(separator: " ") + "\n"
      }
      if row < grid.rows - 1 { text += "\n" }
    }
    OutputTerminal.write(text)
  }

  /// A sheet's frames side by side as lines of `width` cells, `frameRows` of them.
  private func sheetLines(
    _ images: [RGBAImage], frameColumns: Int, frameRows: Int, writer: PictureWriter, width: Int
  ) -> [String] {
    let arts = images.map { image in
      let fit = PictureFit.cells(
        for: PixelSize(width: image.width * cellSize.width / 4, height: image.height * cellSize.height / 8),
        maxColumns: frameColumns, maxRows: frameRows, cellSize: cellSize)
      return (
        width: fit.columns,
        lines: writer.lines(SymbolRenderer.render(image, columns: fit.columns, rows: fit.rows, depth: depth))
      )
    }
    return (0..<frameRows).map { y in
      let line = arts.map { art in
        art.lines.indices.contains(y) ? art.lines[y] : String(repeating: " ", count: art.width)
      }.joined(separator: " ")
      let used = arts.map(\.width).reduce(0, +) + max(0, arts.count - 1)
      return line + String(repeating: " ", count: max(0, width - used))
    }
  }

  /// `text` with spaces after it up to `width` columns.
  static func padded(_ text: String, _ width: Int) -> String {
    text + String(repeating: " ", count: max(0, width - TextWidth.of(text)))
  }
}
