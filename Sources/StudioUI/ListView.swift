/// Scrolling arithmetic for a list of rows shown in a box: the same rules for the queue, the
/// history, the help and the palette.
public enum ListView {
  /// The first visible row that keeps `selected` in view with the least movement from `top`.
  public static func scrollTop(_ top: Int, selected: Int, count: Int, height: Int) -> Int {
    guard height > 0, count > 0 else { return 0 }
    var top = top
    if selected < top { top = selected }
    if selected >= top + height { top = selected - height + 1 }
    return max(0, min(top, max(0, count - height)))
  }

  /// The rows to draw.
  public static func visibleRange(top: Int, count: Int, height: Int) -> Range<Int> {
    let start = max(0, min(top, count))
    return start..<min(count, start + max(0, height))
  }

  /// `value` moved by `delta` and kept within `0 ..< count`.
  public static func move(_ value: Int, by delta: Int, count: Int) -> Int {
    guard count > 0 else { return 0 }
    return min(max(0, value + delta), count - 1)
  }
}
