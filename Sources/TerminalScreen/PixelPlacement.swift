/// A picture sent as pixels (kitty, iTerm2 or sixel escapes) over an area of cells, beside the
/// cells themselves: the grid holds blank cells there, and the terminal side writes `escape` with
/// the cursor at the area's top-left after ncurses has drawn the frame.
///
/// Two ways a terminal keeps such a picture, which decide how it goes away again:
/// ``Layer/above``: kitty keeps images on a layer of their own until deleted by an escape; redrawn
/// cells do not remove them. ``Layer/inCells``: sixel and iTerm2 pixels replace the cells' contents
/// and go only when those cells are written again, which ncurses will not do for cells it believes
/// unchanged.
public struct PixelPlacement: Sendable, Hashable {
  public enum Layer: Sendable, Hashable {
    case above
    case inCells
  }

  public var x: Int
  public var y: Int
  public var columns: Int
  public var rows: Int
  public var layer: Layer
  /// The picture's escape for the terminal itself (the terminal side wraps it for tmux).
  public var escape: String

  public init(x: Int, y: Int, columns: Int, rows: Int, layer: Layer, escape: String) {
    self.x = x
    self.y = y
    self.columns = columns
    self.rows = rows
    self.layer = layer
    self.escape = escape
  }

  public var area: Rect { Rect(x: x, y: y, width: columns, height: rows) }
}
