import Foundation
import Synchronization
import TerminalGraphics
import TerminalScreen
import VideoFrames

#if canImport(Glibc)
  import Glibc
#endif

/// Lays out and draws previews on the terminal below the cursor, in symbols or a pixel protocol.
struct PreviewDisplay {
  let terminal: OutputTerminal
  let mode: GraphicsMode
  let columns: Int
  let depth: ColorDepth
  let inTmux: Bool

  /// Pixels per cell: the terminal's own when it says, else chafa's usual guess.
  var cellSize: PixelSize { terminal.cellSize ?? PixelEncoder.defaultCellSize }

  /// Decoding size for an area of cells: symbols need 2×2 pixels per cell (quadrants), a little
  /// more lets chafa average; a pixel protocol gets the cells' real pixels.
  func pixelBox(columns: Int, rows: Int) -> PixelSize {
    mode.isPixelProtocol
      ? PixelSize(width: columns * cellSize.width, height: rows * cellSize.height)
      : PixelSize(width: columns * 4, height: rows * 8)
  }

  /// At most the terminal's height less a few lines for the prompt and labels.
  var maxRows: Int { max(2, terminal.rows - 3) }

  /// The cells a frame of `size` pixels takes within `maxColumns` × ``maxRows``.
  func cells(for size: PixelSize, maxColumns: Int) -> (columns: Int, rows: Int) {
    PictureFit.cells(
      for: mode.isPixelProtocol
        ? size : PixelSize(width: size.width * cellSize.width / 4, height: size.height * cellSize.height / 8),
      maxColumns: maxColumns, maxRows: maxRows, cellSize: cellSize)
  }

  /// The sheet: `count` keyframes side by side (as many as fit when nil), each with its time.
  /// The decoding box depends only on the terminal (the frames come back fitted inside it, with
  /// their shape), so a cached sheet needs no probe at all.
  func showSheet(_ video: URL, sha256: String?, count: Int?, source: FrameSource, cache: PreviewCache) async throws {
    let count = count ?? max(2, min(8, columns / 20))
    let gap = 1
    let frameColumns = (columns - gap * (count - 1)) / count
    guard frameColumns >= 2 else {
      throw CommandFailure(
        message: "no preview: \(columns) columns cannot hold \(count) frames", code: ExitStatus.invalidInput)
    }
    let box = pixelBox(columns: frameColumns, rows: maxRows)
    let frames = try await previewing {
      try await cache.keyframes(of: video, sha256: sha256, count: count, fitting: box, source: source)
    }
    guard let first = frames.first else { return }
    let cells = self.cells(
      for: PixelSize(width: first.image.width, height: first.image.height), maxColumns: frameColumns)
    var text = ""
    if mode.isPixelProtocol {
      let sheet = ContactSheet.compose(frames.map(\.image), columns: count, spacing: 0, background: (0, 0, 0, 255))
      text += pixels(sheet, columns: cells.columns * count, rows: cells.rows) + "\n"
    } else {
      let writer = PictureWriter(depth: depth)
      let arts = frames.map {
        writer.lines(SymbolRenderer.render($0.image, columns: cells.columns, rows: cells.rows, depth: depth))
      }
      for y in 0..<cells.rows {
        text += arts.map { $0[y] }.joined(separator: String(repeating: " ", count: gap)) + "\n"
      }
    }
    let slot = mode.isPixelProtocol ? cells.columns : cells.columns + gap
    text += frames.map { String(format: "%.1fs", $0.time).padding(slot) }.joined() + "\n"
    OutputTerminal.write(text)
  }

  func showFrame(_ video: URL, at time: Double, source: FrameSource) async throws {
    let frame = try await previewing {
      try await source.frame(of: video, at: time, fitting: pixelBox(columns: columns, rows: maxRows))
    }
    let cells = self.cells(for: PixelSize(width: frame.image.width, height: frame.image.height), maxColumns: columns)
    OutputTerminal.write(
      picture(frame.image, columns: cells.columns, rows: cells.rows) + String(format: "%.2fs\n", frame.time))
  }

  /// Plays the video once at its rate under the cursor; Ctrl-C stops it (exit 130), and the
  /// cursor comes back below the picture either way.
  func play(_ video: URL, source: FrameSource) async throws {
    // Symbols play as half blocks decoded at one pixel per half cell (HalfBlockRenderer). The
    // frames come back fitted in the box with the video's shape, so the area is known from the
    // first frame: no probe of our own (the stream's is the only one).
    let box =
      mode.isPixelProtocol
      ? pixelBox(columns: columns, rows: maxRows) : HalfBlockRenderer.pixelSize(columns: columns, rows: maxRows)
    let area = Area()
    let playing = Task { try await frames(video, box: box, area: area, source: source) }
    let interrupt = Interrupt { playing.cancel() }
    let outcome = await playing.result
    interrupt.disarm()
    let rows = area.rows.load(ordering: .sequentiallyConsistent)
    if rows > 0 {
      let cleanup = mode == .kitty ? wrapped(PixelEncoder.kittyDeleteAll) : ""
      OutputTerminal.write(cleanup + "\u{1B}[0m\u{1B}8\u{1B}[\(rows)B\r\u{1B}[?25h")
    }
    if interrupt.fired { throw CommandFailure(message: "stopped", code: ExitStatus.cancelled) }
    if case .failure(let error) = outcome {
      if let preview = error as? PreviewError { throw CommandFailure(previewError: preview) }
      throw error
    }
  }

  /// The rows the playback area took (0 until the first frame), for the cleanup after it.
  private final class Area: Sendable {
    let rows = Atomic(0)
  }

  /// Pulls frames and draws each at its time; a frame already late by a whole frame is skipped
  /// (decoding goes on: the stream is the clock's, not the terminal's). In symbols mode the half
  /// blocks are made on the decoder's reader thread, which then reuses its pixel buffer.
  private func frames(_ video: URL, box: PixelSize, area: Area, source: FrameSource) async throws {
    let clock = ContinuousClock()
    var start: ContinuousClock.Instant?
    var cells = (columns: 0, rows: 0)
    var interval = Duration.seconds(1.0 / 24)
    var lastTime = 0.0
    var previous: CellArt?
    let writer = PictureWriter(depth: depth)
    let symbols = !mode.isPixelProtocol
    let played = source.play(video, fitting: box) { frame in
      symbols
        ? PlayedFrame(time: frame.time, art: HalfBlockRenderer.render(frame.image), image: nil)
        : PlayedFrame(time: frame.time, art: nil, image: frame.image)
    }
    for try await frame in played {
      guard let began = start else {
        // First frame: reserve the area (scrolling if needed), remember its top-left, hide the cursor.
        if let art = frame.art {
          cells = (art.width, art.height)
        } else if let image = frame.image {
          cells = self.cells(for: PixelSize(width: image.width, height: image.height), maxColumns: columns)
        }
        OutputTerminal.write(String(repeating: "\n", count: cells.rows) + "\u{1B}[\(cells.rows)A\u{1B}7\u{1B}[?25l")
        area.rows.store(cells.rows, ordering: .sequentiallyConsistent)
        start = clock.now - .seconds(frame.time)
        previous = draw(frame, cells: cells, previous: nil, writer: writer)
        lastTime = frame.time
        continue
      }
      if frame.time > lastTime { interval = .seconds(frame.time - lastTime) }
      lastTime = frame.time
      let due = began + .seconds(frame.time)
      if clock.now > due + interval { continue }
      try await clock.sleep(until: due)
      previous = draw(frame, cells: cells, previous: previous, writer: writer)
    }
  }

  /// Draws one frame of playback in the saved area; returns what the area now shows (symbols).
  private func draw(_ frame: PlayedFrame, cells: (columns: Int, rows: Int), previous: CellArt?, writer: PictureWriter)
    -> CellArt?
  {
    if let image = frame.image {
      OutputTerminal.write("\u{1B}8" + pixels(image, columns: cells.columns, rows: cells.rows))
      return nil
    }
    guard let art = frame.art else { return previous }
    OutputTerminal.write(writer.update(from: previous, to: art))
    return art
  }

  /// `image` in `columns` × `rows` cells as text to print, ending on a new line.
  private func picture(_ image: RGBAImage, columns: Int, rows: Int) -> String {
    if mode.isPixelProtocol { return pixels(image, columns: columns, rows: rows) + "\n" }
    let art = SymbolRenderer.render(image, columns: columns, rows: rows, depth: depth)
    return PictureWriter(depth: depth).lines(art).joined(separator: "\n") + "\n"
  }

  func pixels(_ image: RGBAImage, columns: Int, rows: Int) -> String {
    wrapped(PixelEncoder.encode(image, mode: mode, columns: columns, rows: rows, cellSize: cellSize) ?? "")
  }

  /// Inside tmux (detection chose a pixel protocol only where passthrough is on), the escape in
  /// tmux's DCS passthrough with its ESCs doubled.
  private func wrapped(_ escape: String) -> String {
    guard inTmux, !escape.isEmpty else { return escape }
    return "\u{1B}Ptmux;" + escape.replacing("\u{1B}", with: "\u{1B}\u{1B}") + "\u{1B}\\"
  }
}

/// A frame of playback as the reader thread leaves it: half blocks in symbols mode, the pixels
/// for a pixel protocol.
private struct PlayedFrame: Sendable {
  var time: Double
  var art: CellArt?
  var image: RGBAImage?
}

/// Ctrl-C during playback: handled (the picture is cleaned up, the cursor shown) rather than
/// killing the process.
private final class Interrupt: Sendable {
  private let source: Mutex<(any DispatchSourceSignal)?>
  private let flag = Flag()

  init(_ action: @escaping @Sendable () -> Void) {
    signal(SIGINT, SIG_IGN)
    let signalSource = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
    signalSource.setEventHandler { [flag] in
      flag.value.store(true, ordering: .sequentiallyConsistent)
      action()
    }
    signalSource.resume()
    source = Mutex(signalSource)
  }

  var fired: Bool { flag.value.load(ordering: .sequentiallyConsistent) }

  func disarm() {
    source.withLock {
      $0?.cancel()
      $0 = nil
    }
    signal(SIGINT, SIG_DFL)
  }

  private final class Flag: Sendable {
    let value = Atomic(false)
  }
}
