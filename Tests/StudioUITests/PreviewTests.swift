import FalProtocol
import HistoryModel
import TerminalScreen
import Testing

@testable import StudioUI

/// A synthetic frame: `columns` × `rows` half blocks whose colours move with `index` (a bright
/// column sliding right over a red→blue ramp), as the runtime would render a decoded frame.
func syntheticArt(_ index: Int, columns: Int = 20, rows: Int = 5) -> CellArt {
  var cells: [Cell] = []
  for _ in 0..<rows {
    for x in 0..<columns {
      let bright = x == (index * 3) % columns
      let ramp = UInt8(255 - x * 255 / max(1, columns - 1))
      let top: TerminalColor = bright ? .rgb(255, 255, 255) : .rgb(ramp, 32, 255 - ramp)
      cells.append(Cell("▀", colors: CellColors(foreground: top, background: .rgb(ramp / 2, 16, (255 - ramp) / 2))))
    }
  }
  return CellArt(width: columns, height: rows, cells: cells)
}

@Suite struct PreviewTests {
  static let record = Fixtures.record(
    "h0", .completed, prompt: "history item 0: a lighthouse at dusk, waves", mode: .imageToVideo,
    createdSecondsAgo: 600, runningSecondsAgo: 560, finishedSecondsAgo: 420, seed: 777,
    url: "https://v3.fal.media/files/lighthouse.mp4", localPath: "/home/u/.local/share/magi-studio/videos/h0.mp4")

  /// The details of h0, loaded: the sheet is asked for.
  static func details(width: Int = 120, height: Int = 40) -> (AppState, [Effect]) {
    var state = Fixtures.withHistory(total: 3)
    _ = StudioReducer.update(&state, .terminal(.resized(width: width, height: height)))
    for key in [Key.escape, .character("3"), .enter] { _ = StudioReducer.update(&state, .terminal(.key(key))) }
    let effects = StudioReducer.update(&state, .recordLoaded(record))
    return (state, effects)
  }

  @Test func detailsAskForASheetThatFitsTheWidth() {
    let (state, effects) = Self.details()
    let path = "/home/u/.local/share/magi-studio/videos/h0.mp4"
    #expect(effects == [.loadPreviewSheet(id: "h0", path: path, sha256: nil, count: 5, frame: PreviewState.sheetFrame)])
    #expect(state.preview.sheet == PreviewSheet(id: "h0", count: 5, content: .loading))
    let (_, narrow) = Self.details(width: 80, height: 30)
    #expect(narrow == [.loadPreviewSheet(id: "h0", path: path, sha256: nil, count: 3, frame: PreviewState.sheetFrame)])
  }

  @Test func sheetSnapshot() {
    var (state, _) = Self.details()
    let pictures = (0..<5).map { PreviewPicture(time: Double($0) * 0.8, art: syntheticArt($0)) }
    _ = StudioReducer.update(&state, .previewSheet(id: "h0", pictures))
    assertSnapshot(StudioRenderer.render(state, width: 120, height: 40), named: "preview-sheet")
  }

  @Test func aStaleSheetIsIgnored() {
    var (state, _) = Self.details()
    _ = StudioReducer.update(&state, .previewSheet(id: "other", [PreviewPicture(time: 0, art: syntheticArt(0))]))
    #expect(state.preview.sheet?.content == .loading)
  }

  @Test func unavailableSaysWhyInOneLine() {
    var (state, _) = Self.details()
    _ = StudioReducer.update(&state, .previewUnavailable(id: "h0", reason: "magi-decode is not installed"))
    let grid = StudioRenderer.render(state, width: 120, height: 40)
    #expect(grid.textDump().contains("no preview: magi-decode is not installed"))
  }

  @Test func aRecordStillDownloadingSaysSo() {
    var state = Fixtures.withHistory(total: 3)
    var record = Self.record
    record.localFile = nil
    state.overlay = .detail(id: "h0", record: record, scroll: 0)
    let effects = StudioReducer.update(&state, .tick(Fixtures.now))
    #expect(effects.isEmpty)
    #expect(state.preview.sheet?.content == .unavailable("the video is still downloading"))
  }

  @Test func playbackSnapshotAndStop() {
    var (state, _) = Self.details()
    let effects = StudioReducer.update(&state, .terminal(.key(.character("p"))))
    let box = PreviewLayout.pictureBox(state, fullScreen: false)
    #expect(
      effects == [.playPreview(id: "h0", path: "/home/u/.local/share/magi-studio/videos/h0.mp4", box: box, from: 0)])
    _ = StudioReducer.update(
      &state,
      .previewFrame(
        id: "h0", PreviewPicture(time: 1.25, art: syntheticArt(2, columns: 40, rows: 12)), duration: 4, frameRate: 24))
    assertSnapshot(StudioRenderer.render(state, width: 120, height: 40), named: "preview-playing")
    #expect(StudioReducer.update(&state, .terminal(.key(.character("q")))) == [.stopPlayback])
    #expect(state.preview.playback == nil)
    #expect(state.overlay != nil, "q stops playback first; the details stay")
  }

  @Test func closingTheDetailsStopsEveryPreview() {
    var (state, _) = Self.details()
    _ = StudioReducer.update(&state, .terminal(.key(.character("P"))))
    #expect(StudioReducer.update(&state, .terminal(.key(.escape))) == [.stopPlayback])
    #expect(StudioReducer.update(&state, .terminal(.key(.escape))) == [.stopPreviews])
    #expect(state.preview == PreviewState())
    #expect(StudioReducer.update(&state, .tick(Fixtures.now)).isEmpty, "nothing more to stop")
  }

  @Test func fullScreenPlaybackCoversTheScreen() {
    var (state, _) = Self.details()
    _ = StudioReducer.update(&state, .terminal(.key(.character("P"))))
    _ = StudioReducer.update(
      &state,
      .previewFrame(
        id: "h0", PreviewPicture(time: 0, art: syntheticArt(0, columns: 60, rows: 20)), duration: 4, frameRate: 24))
    let grid = StudioRenderer.render(state, width: 120, height: 40)
    #expect(!grid.textDump().contains("Details — h0"))
    #expect(grid.styleDump().contains("%"))
  }

  /// A pixel picture: blank cells, and its escape placed over them where the picture is drawn.
  static func pixelPicture(_ name: String, time: Double = 0, columns: Int = 20, rows: Int = 5) -> PreviewPicture {
    let blank = CellArt(width: columns, height: rows, cells: Array(repeating: Cell(" "), count: columns * rows))
    let escape = "\u{1B}Pq\(name)\u{1B}\\"
    return PreviewPicture(
      time: time, art: blank,
      pixels: PixelPlacement(x: 0, y: 0, columns: columns, rows: rows, layer: .inCells, escape: escape))
  }

  /// Pixel pictures go in the frame as placements over their cells; a dialog over the details, or
  /// the full-screen player, takes away every placement under it (a terminal cannot clip one).
  @Test func pixelPicturesArePlacedAndGoUnderWhatCoversThem() {
    var (state, _) = Self.details()
    let pictures = (0..<5).map { Self.pixelPicture("f\($0)", time: Double($0)) }
    _ = StudioReducer.update(&state, .previewSheet(id: "h0", pictures))
    let grid = StudioRenderer.render(state, width: 120, height: 40)
    #expect(grid.placements.map(\.escape) == pictures.compactMap(\.pixels?.escape))
    for placement in grid.placements {
      #expect(placement.columns == 20 && placement.rows == 5)
      let cells = (0..<placement.rows).flatMap { y in
        (0..<placement.columns).map { x in grid[placement.x + x, placement.y + y].text }
      }
      #expect(cells.allSatisfy { $0 == " " }, "the cells under a pixel picture are blank")
    }
    #expect(Set(grid.placements.map(\.x)).count == 5, "side by side")

    var asking = state
    asking.dialog = Dialog(purpose: .deleteRecord("h0"), title: "Delete from history?", message: "Delete h0")
    #expect(StudioRenderer.render(asking, width: 120, height: 40).placements.isEmpty)

    _ = StudioReducer.update(&state, .terminal(.key(.character("P"))))
    let frame = Self.pixelPicture("playing", columns: 60, rows: 20)
    _ = StudioReducer.update(&state, .previewFrame(id: "h0", frame, duration: 4, frameRate: 24))
    #expect(StudioRenderer.render(state, width: 120, height: 40).placements.map(\.escape) == [frame.pixels?.escape])
  }

  @Test func resizingAsksForFramesOfTheNewSize() {
    var (state, _) = Self.details()
    _ = StudioReducer.update(&state, .terminal(.key(.character("p"))))
    _ = StudioReducer.update(&state, .terminal(.key(.character(" "))))
    let effects = StudioReducer.update(&state, .terminal(.resized(width: 100, height: 30)))
    let box = PreviewLayout.pictureBox(state, fullScreen: false)
    #expect(
      effects.contains(
        .showPreviewFrame(id: "h0", path: "/home/u/.local/share/magi-studio/videos/h0.mp4", box: box, at: 0)))
    #expect(
      effects.contains(
        .loadPreviewSheet(
          id: "h0", path: "/home/u/.local/share/magi-studio/videos/h0.mp4", sha256: nil, count: 4,
          frame: PreviewState.sheetFrame)))
  }

  @Test func stepsStayInsideTheVideo() {
    var (state, _) = Self.details()
    _ = StudioReducer.update(&state, .terminal(.key(.character("p"))))
    _ = StudioReducer.update(
      &state, .previewFrame(id: "h0", PreviewPicture(time: 0, art: syntheticArt(0)), duration: 2, frameRate: 25))
    _ = StudioReducer.update(&state, .terminal(.key(.left)))
    #expect(state.preview.playback?.time == 0)
    for _ in 0..<5 { _ = StudioReducer.update(&state, .terminal(.key(.right))) }
    #expect(state.preview.playback?.time == 2 - 1.0 / 25)
  }

  @Test func timesAreMinutesSecondsTenths() {
    #expect(PreviewView.time(0) == "0:00.0")
    #expect(PreviewView.time(61.25) == "1:01.3")
  }
}

@Suite struct QueueThumbnailTests {
  @Test func aFinishedJobShowsItsFirstAndLastFrames() {
    var state = Fixtures.studio()
    _ = StudioReducer.update(&state, .terminal(.resized(width: 120, height: 40)))
    state.queue.jobs = [PreviewTests.record]
    state.queue.selectedID = "h0"
    let effects = StudioReducer.update(&state, .tick(Fixtures.now))
    let path = "/home/u/.local/share/magi-studio/videos/h0.mp4"
    #expect(effects == [.loadThumbnails(id: "h0", path: path, frame: Thumbnails.frame)])
    #expect(StudioReducer.update(&state, .tick(Fixtures.now)).isEmpty, "asked once")
    let pictures = [
      PreviewPicture(time: 0, art: syntheticArt(0, columns: 16, rows: 4)),
      PreviewPicture(time: 3.96, art: syntheticArt(5, columns: 16, rows: 4)),
    ]
    _ = StudioReducer.update(&state, .previewThumbnails(id: "h0", pictures))
    assertSnapshot(StudioRenderer.render(state, width: 120, height: 40), named: "queue-thumbnails")
  }

  @Test func aRunningJobHasNone() {
    var state = Fixtures.studio()
    _ = StudioReducer.update(&state, .terminal(.resized(width: 120, height: 40)))
    var running = PreviewTests.record
    running.status = .running
    state.queue.jobs = [running]
    state.queue.selectedID = "h0"
    #expect(StudioReducer.update(&state, .tick(Fixtures.now)).isEmpty)
    #expect(state.preview.thumbnails == nil)
  }
}

@Suite struct SourceThumbnailTests {
  static func imageForm() -> AppState {
    var state = Fixtures.studio()
    _ = StudioReducer.update(&state, .terminal(.resized(width: 120, height: 40)))
    state.form.mode = .imageToVideo
    state.form.source = TextEditor("/home/u/first.png")
    state.form.editing = false
    state.form.focus = .source
    return state
  }

  @Test func theChosenImageIsShownUnderTheForm() {
    var state = Self.imageForm()
    let effects = StudioReducer.update(&state, .tick(Fixtures.now))
    #expect(
      effects == [
        .loadSourceThumbnail(
          key: "/home/u/first.png#end", path: "/home/u/first.png", isVideo: false, startFrame: nil,
          frame: SourceThumbnail.frame)
      ])
    _ = StudioReducer.update(
      &state,
      .previewSource(key: "/home/u/first.png#end", PreviewPicture(time: 0, art: syntheticArt(1, columns: 16, rows: 4))))
    assertSnapshot(StudioRenderer.render(state, width: 120, height: 40), named: "form-source-thumbnail")
  }

  @Test func notWhileThePathIsTyped() {
    var state = Self.imageForm()
    state.form.editing = true
    #expect(StudioReducer.update(&state, .tick(Fixtures.now)).isEmpty)
    #expect(state.preview.source == nil)
  }

  @Test func anExtensionShowsTheFrameItStartsFrom() {
    var state = Self.imageForm()
    state.form.mode = .extendVideo
    state.form.source = TextEditor("/home/u/clip.mp4")
    state.form.startFrame = "48"
    let effects = StudioReducer.update(&state, .tick(Fixtures.now))
    #expect(
      effects == [
        .loadSourceThumbnail(
          key: "/home/u/clip.mp4#48", path: "/home/u/clip.mp4", isVideo: true, startFrame: 48,
          frame: SourceThumbnail.frame)
      ])
    _ = StudioReducer.update(
      &state, .previewUnavailable(id: "/home/u/clip.mp4#48", reason: "video file is missing: /home/u/clip.mp4"))
    #expect(StudioRenderer.render(state, width: 120, height: 40).textDump().contains("no preview: video file"))
    state.form.source = TextEditor("https://example.com/clip.mp4")
    #expect(StudioReducer.update(&state, .tick(Fixtures.now)).isEmpty)
    #expect(state.preview.source == nil, "a URL is not fetched for a thumbnail")
  }
}
