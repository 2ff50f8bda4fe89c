/// A picture drawn in cells: block symbols with their own colours, width × height cells.
///
/// What a renderer (TerminalGraphics' symbols mode) makes of an image, and what a view copies
/// into its ``ScreenGrid`` with ``ScreenGrid/draw(_:x:y:)``; being cells, a picture goes through
/// the same diffing and snapshot tests as text. Every cell is one column wide.
public struct CellArt: Sendable, Hashable {
  public let width: Int
  public let height: Int
  /// Row by row, top to bottom; `width * height` cells.
  public let cells: [Cell]

  /// `cells` must hold `width * height` cells, each one column wide; anything else is a programming error.
  public init(width: Int, height: Int, cells: [Cell]) {
    precondition(width >= 0 && height >= 0 && cells.count == width * height, "cell art size mismatch")
    self.width = width
    self.height = height
    self.cells = cells
  }

  public subscript(x: Int, y: Int) -> Cell { cells[y * width + x] }
}
