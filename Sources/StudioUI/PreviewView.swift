import TerminalScreen

/// Draws previews: a contact sheet (frames side by side, each with its time) or one playing frame
/// with its position and keys. Pictures are cells with their own colours (``CellArt``), so they
/// diff and snapshot like text; a pixel picture is blank cells plus a ``PixelPlacement`` over them.
enum PreviewView {
  static func drawSheet(_ grid: inout ScreenGrid, _ sheet: PreviewSheet, in area: Rect) {
    switch sheet.content {
    case .loading, .unavailable:
      drawPlaceholder(&grid, sheet.content, loading: "loading preview…", in: area)
    case .pictures(let pictures):
      let frame = PreviewState.sheetFrame
      for (index, picture) in pictures.enumerated() {
        let x = area.x + index * (frame.columns + 1)
        guard x + frame.columns <= area.maxX else { break }
        let box = Rect(x: x, y: area.y, width: frame.columns, height: min(frame.rows, area.height - 1))
        drawPicture(&grid, picture, in: box)
        grid.put(time(picture.time), x: x, y: box.maxY, role: .dim, maxWidth: frame.columns)
      }
    }
  }

  /// First and last frame side by side, captioned with their times.
  static func drawThumbnails(_ grid: inout ScreenGrid, _ thumbnails: Thumbnails, in area: Rect) {
    switch thumbnails.content {
    case .loading, .unavailable:
      drawPlaceholder(&grid, thumbnails.content, loading: "loading frames…", in: area)
    case .pictures(let pictures):
      let frame = Thumbnails.frame
      for (index, picture) in pictures.prefix(2).enumerated() {
        let x = area.x + index * (frame.columns + 1)
        guard x + frame.columns <= area.maxX else { break }
        drawPicture(&grid, picture, in: Rect(x: x, y: area.y, width: frame.columns, height: frame.rows))
        let label = (index == 0 ? "first " : "last ") + time(picture.time)
        grid.put(label, x: x, y: area.y + frame.rows, role: .dim, maxWidth: frame.columns)
      }
    }
  }

  /// The one line a preview area shows while its pictures are on their way, or why there are none.
  static func drawPlaceholder(_ grid: inout ScreenGrid, _ content: PreviewContent, loading: String, in area: Rect) {
    switch content {
    case .loading: grid.put(loading, x: area.x, y: area.y, role: .dim, maxWidth: area.width)
    case .unavailable(let reason):
      grid.put("no preview: \(reason)", x: area.x, y: area.y, role: .warning, maxWidth: area.width)
    case .pictures: break
    }
  }

  static func drawPlayback(_ grid: inout ScreenGrid, _ playback: Playback, in area: Rect) {
    let box = Rect(x: area.x, y: area.y, width: area.width, height: max(0, area.height - 1))
    switch playback.content {
    case .loading, .unavailable:
      drawPlaceholder(&grid, playback.content, loading: "loading video…", in: box)
    case .pictures(let pictures):
      if let picture = pictures.first { drawPicture(&grid, picture, in: box) }
    }
    let state = playback.paused ? "⏸" : "▶"
    let position = playback.duration.map { "\(time(playback.time)) / \(time($0))" } ?? time(playback.time)
    let zoom = playback.fullScreen ? "+ smaller" : "+ full screen"
    let caption = "\(state) \(position)   Space pause  , . frame  ← → 1 s  \(zoom)  q stop"
    grid.put(caption, x: area.x, y: area.maxY - 1, role: .key, maxWidth: area.width)
  }

  /// `picture` in the middle of `box`: its cells, and its pixels over them when it has them and
  /// fits whole (a pixel picture cannot be clipped; its blank cells are then all that shows).
  static func drawPicture(_ grid: inout ScreenGrid, _ picture: PreviewPicture, in box: Rect) {
    let origin = drawCentred(&grid, picture.art, in: box)
    guard var pixels = picture.pixels, picture.art.width <= box.width, picture.art.height <= box.height,
      box.maxX <= grid.width, box.maxY <= grid.height
    else { return }
    pixels.x = origin.x
    pixels.y = origin.y
    grid.placements.append(pixels)
  }

  /// `art` in the middle of `box`, clipped to it; returns where its top-left went.
  @discardableResult
  static func drawCentred(_ grid: inout ScreenGrid, _ art: CellArt, in box: Rect) -> (x: Int, y: Int) {
    let x = box.x + max(0, (box.width - art.width) / 2)
    let y = box.y + max(0, (box.height - art.height) / 2)
    for row in 0..<min(art.height, box.height) {
      for column in 0..<min(art.width, box.width) { grid[x + column, y + row] = art[column, row] }
    }
    return (x, y)
  }

  /// `m:ss.t`.
  static func time(_ seconds: Double) -> String {
    let tenths = Int((max(0, seconds) * 10).rounded())
    let minutes = tenths / 600
    let rest = tenths % 600
    let secondsText = String(rest / 10)
    return "\(minutes):\(secondsText.count == 1 ? "0" + secondsText : secondsText).\(rest % 10)"
  }
}
