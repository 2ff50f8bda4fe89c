import TerminalScreen

/// A bar of `width` cells for `done` of `total`, in eighths of a cell so short jobs still move.
public enum ProgressBar {
  /// Draws the bar at (x, y); unknown totals draw an empty track.
  public static func draw(_ grid: inout ScreenGrid, x: Int, y: Int, width: Int, done: Int, total: Int) {
    guard width > 0 else { return }
    let fraction = total > 0 ? min(1, max(0, Double(done) / Double(total))) : 0
    let eighths = Int((fraction * Double(width * 8)).rounded(.down))
    let full = eighths / 8
    let partials = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
    grid.put(String(repeating: "█", count: full), x: x, y: y, role: .progressDone)
    var used = full
    if full < width, eighths % 8 > 0 {
      grid.put(partials[eighths % 8], x: x + full, y: y, role: .progressDone)
      used += 1
    }
    if used < width { grid.put(String(repeating: "░", count: width - used), x: x + used, y: y, role: .progressTodo) }
  }
}
