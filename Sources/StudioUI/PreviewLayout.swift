import TerminalScreen

/// Where previews go on screen: the top of the details view (a sheet, or playback in a taller
/// area), or the whole screen but the status bar. The last row of an area is its caption.
enum PreviewLayout {
  /// The details view's box (as ``DetailView`` draws it).
  static func detailRect(_ state: AppState) -> Rect {
    state.zoomed
      ? Rect(x: 0, y: 0, width: state.width, height: state.height - 1)
      : Rect(x: 2, y: 1, width: state.width - 4, height: state.height - 3)
  }

  /// The preview area inside the details view.
  static func detailArea(_ state: AppState, playing: Bool) -> Rect {
    let inner = detailRect(state).inset(by: 1)
    let sheetHeight = PreviewState.sheetFrame.rows + 1
    let height = playing ? max(sheetHeight, (inner.height - 2) * 2 / 3) : sheetHeight
    return Rect(x: inner.x, y: inner.y, width: inner.width, height: min(height, max(0, inner.height - 2)))
  }

  /// The whole screen but the status bar.
  static func fullScreenArea(_ state: AppState) -> Rect {
    Rect(x: 0, y: 0, width: state.width, height: state.height - 1)
  }

  /// The cells a playing picture may take (its area less the caption row).
  static func pictureBox(_ state: AppState, fullScreen: Bool) -> CellSize {
    let area = fullScreen ? fullScreenArea(state) : detailArea(state, playing: true)
    return CellSize(columns: area.width, rows: max(0, area.height - 1))
  }

  /// Where the form's source thumbnail goes: under the form's last line, when the pane has room.
  static func sourceThumbnailArea(_ state: AppState) -> Rect? {
    let inner = Layout(width: state.width, height: state.height).form.inset(by: 1)
    let used = FormLayout(state.form, in: inner).lines.count
    let height = SourceThumbnail.frame.rows + 1
    guard used + 1 + height <= inner.height, inner.width >= SourceThumbnail.frame.columns + 2 else { return nil }
    return Rect(
      x: inner.x + FormLayout.labelWidth, y: inner.y + used + 1, width: inner.width - FormLayout.labelWidth,
      height: height)
  }

  /// How many rows the details view gives its preview (0 when the record has none).
  static func detailPreviewHeight(_ state: AppState, id: String) -> Int {
    if let playback = state.preview.playback, playback.id == id, !playback.fullScreen {
      return detailArea(state, playing: true).height + 1
    }
    if state.preview.sheet?.id == id {
      if case .unavailable = state.preview.sheet?.content { return 2 }
      return detailArea(state, playing: false).height + 1
    }
    return 0
  }
}
