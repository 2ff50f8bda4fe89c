import TerminalScreen

/// Frames laid out in a grid on one image: what `preview -o sheet.png` writes and what a terminal
/// renders in one go.
public enum ContactSheet {
  /// `frames` left to right, top to bottom, `columns` per row, `spacing` pixels between frames and
  /// around them, on `background` (RGBA). Every cell is as large as the largest frame; smaller
  /// frames are centred in theirs.
  public static func compose(
    _ frames: [RGBAImage], columns: Int, spacing: Int = 4, background: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 255)
  ) -> RGBAImage {
    guard !frames.isEmpty else { return RGBAImage(width: 0, height: 0, pixels: []) }
    let columns = max(1, min(columns, frames.count))
    let rows = (frames.count + columns - 1) / columns
    let cellWidth = frames.map(\.width).max() ?? 0
    let cellHeight = frames.map(\.height).max() ?? 0
    let width = columns * cellWidth + (columns + 1) * spacing
    let height = rows * cellHeight + (rows + 1) * spacing
    var pixels = RGBAImage.canvas(width: width, height: height, color: background)
    pixels.withUnsafeMutableBufferPointer { sheet in
      for (number, frame) in frames.enumerated() {
        let left = spacing + (number % columns) * (cellWidth + spacing) + (cellWidth - frame.width) / 2
        let top = spacing + (number / columns) * (cellHeight + spacing) + (cellHeight - frame.height) / 2
        frame.pixels.withUnsafeBufferPointer { source in
          for row in 0..<frame.height {
            let from = row * frame.width * 4
            let to = ((top + row) * width + left) * 4
            for byte in 0..<frame.width * 4 { sheet[to + byte] = source[from + byte] }
          }
        }
      }
    }
    return RGBAImage(width: width, height: height, pixels: pixels)
  }
}
