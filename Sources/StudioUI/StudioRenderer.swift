import TerminalScreen

/// Draws the whole studio for a state: pure, so a snapshot of the result is a test of the UI.
public enum StudioRenderer {
  public static func render(_ state: AppState, width: Int, height: Int) -> ScreenGrid {
    var grid = ScreenGrid(width: width, height: height)
    var shown = state
    shown.width = width
    shown.height = height
    if shown.isTooSmall {
      drawTooSmall(&grid)
      return grid
    }
    let layout = Layout(width: width, height: height)
    if shown.zoomed, shown.overlay == nil, shown.focus == .queue {
      QueueView.drawZoomed(&grid, shown)
    } else {
      FormView.draw(&grid, shown, rect: layout.form)
      QueueView.draw(&grid, shown, layout: layout)
      HistoryView.draw(&grid, shown, layout: layout)
    }
    StatusBar.draw(&grid, shown, layout: layout)
    // Overlays take the caret: the pane under them is not being typed in. Pixel pictures under
    // an overlay, a dialog or the full-screen player go (a terminal cannot clip one to what
    // stays visible); the overlay's own are drawn over it.
    if shown.overlay != nil { grid.placements.removeAll() }
    switch shown.overlay {
    case .help(let scroll):
      grid.cursor = nil
      HelpOverlay.draw(&grid, scroll: scroll)
    case .palette(let palette):
      grid.cursor = nil
      PaletteView.draw(&grid, palette)
    case .detail(let id, let record, let scroll):
      grid.cursor = nil
      DetailView.draw(&grid, shown, id: id, record: record, scroll: scroll)
      if let playback = shown.preview.playback, playback.id == id, playback.fullScreen {
        let area = PreviewLayout.fullScreenArea(shown)
        grid.fill(area, role: .normal)
        grid.placements.removeAll()
        PreviewView.drawPlayback(&grid, playback, in: area)
      }
    case .messages(let back):
      grid.cursor = nil
      MessagesView.draw(&grid, shown, back: back)
    case .compare(let compare):
      grid.cursor = nil
      CompareView.draw(&grid, shown, compare)
    case nil:
      break
    }
    if let dialog = shown.dialog {
      grid.cursor = nil
      grid.placements.removeAll()
      DialogView.draw(&grid, dialog)
    }
    return grid
  }

  /// Below the minimum size: say so, with both sizes, instead of drawing a broken layout.
  static func drawTooSmall(_ grid: inout ScreenGrid) {
    let lines = [
      "Terminal too small",
      "\(grid.width)×\(grid.height) — needs \(AppState.minimumWidth)×\(AppState.minimumHeight)",
      "Enlarge the window; Ctrl-Q quits",
    ]
    let top = max(0, (grid.height - lines.count) / 2)
    for (index, line) in lines.enumerated() {
      let width = TextWidth.of(line)
      grid.put(line, x: max(0, (grid.width - width) / 2), y: top + index, role: index == 0 ? .warning : .normal)
    }
  }
}
