import StudioRuntime
import StudioUI
import Synchronization
import TerminalScreen
import TestSupport
import Testing

/// Frames without a decoder: `frameCount` frames at `frameRate` of a square moving right; it
/// records each playback's start and end, so tests can see decoding start and stop.
final class SyntheticSource: PreviewFrameSource {
  let frameCount: Int
  let frameRate: Double
  let failure: String?
  let events = Recorder<String>()

  init(frameCount: Int = 12, frameRate: Double = 24, failure: String? = nil) {
    self.frameCount = frameCount
    self.frameRate = frameRate
    self.failure = failure
  }

  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  static func image(_ index: Int) -> RGBAImage {
    let (width, height) = (32, 18)
    var pixels = [UInt8](repeating: 40, count: width * height * 4)
    for y in 4..<12 {
      for x in (index * 2 % 24)..<(index * 2 % 24 + 8) {
        let offset = (y * width + x) * 4
        pixels[offset] = 250
        pixels[offset + 1] = 250
        pixels[offset + 2] = 250
      }
    }
    return RGBAImage(width: width, height: height, pixels: pixels)
  }

  func probe(_ path: String) async throws -> PreviewVideo {
    if let failure { throw Failure(description: failure) }
    return PreviewVideo(duration: Double(frameCount) / frameRate, frameRate: frameRate)
  }

  func keyframes(of path: String, sha256: String?, count: Int, fitting box: PixelSize) async throws -> [TimedFrame] {
    if let failure { throw Failure(description: failure) }
    events.append("keyframes \(count)")
    return (0..<count).map { TimedFrame(time: Double($0) / frameRate, image: Self.image($0)) }
  }

  func frame(of path: String, at time: Double, fitting box: PixelSize) async throws -> TimedFrame {
    if let failure { throw Failure(description: failure) }
    let index = Int(time * frameRate)
    return TimedFrame(time: Double(index) / frameRate, image: Self.image(index))
  }

  func still(of path: String, fitting box: PixelSize) async throws -> RGBAImage {
    if let failure { throw Failure(description: failure) }
    return Self.image(3)
  }

  func play<Picture: Sendable>(
    _ path: String, fitting box: PixelSize, from start: Double, looping: Bool,
    render: @escaping @Sendable (TimedFrame) -> Picture
  ) -> AsyncThrowingStream<Picture, any Error> {
    let (frameCount, frameRate, events) = (frameCount, frameRate, events)
    let next = Mutex(Int(start * frameRate))
    events.append("play from \(start)")
    return AsyncThrowingStream(unfolding: {
      let index = next.withLock { value in
        defer { value += 1 }
        return value
      }
      guard looping || index < frameCount else { return nil }
      let position = index % frameCount
      return render(TimedFrame(time: Double(position) / frameRate, image: Self.image(position)))
    }) as AsyncThrowingStream<Picture, any Error>
  }
}

@Suite struct PreviewRunnerTests {
  func runner(_ source: SyntheticSource) -> (PreviewRunner, ActionProbe, TaskTracker) {
    let (inbox, probe) = ActionProbe.inbox()
    let tasks = TaskTracker()
    return (PreviewRunner(source: source, inbox: inbox, tasks: tasks, depth: .truecolor), probe, tasks)
  }

  @Test func aSheetIsRenderedIntoItsFrameBox() async {
    let (runner, probe, _) = runner(SyntheticSource())
    runner.perform(
      .loadPreviewSheet(id: "a", path: "/v.mp4", sha256: nil, count: 4, frame: CellSize(columns: 20, rows: 6)))
    let pictures = await probe.first { if case .previewSheet("a", let pictures) = $0 { pictures } else { nil } }
    #expect(pictures?.count == 4)
    for picture in pictures ?? [] {
      let (width, height) = (picture.art.width, picture.art.height)
      #expect(width <= 20 && height <= 6 && width >= 18, "\(width)×\(height)")
      #expect(picture.art.cells.allSatisfy { $0.colors != nil })
    }
    let times: [Double] = [0, 1.0 / 24, 2.0 / 24, 3.0 / 24]
    #expect(pictures?.map(\.time) == times)
  }

  /// Frames come at the video's rate, and the video starts over at its end from the same decoder.
  @Test func playbackIsPacedAndLoops() async {
    let source = SyntheticSource(frameCount: 12, frameRate: 24)
    let (runner, probe, tasks) = runner(source)
    let clock = ContinuousClock()
    let started = clock.now
    runner.perform(.playPreview(id: "a", path: "/v.mp4", box: CellSize(columns: 40, rows: 12), from: 0))
    let times = { () -> [Double] in
      probe.actions.compactMap { action in
        if case .previewFrame("a", let picture, _, _) = action { return picture.time }
        return nil
      }
    }
    let looped = await probe.items.count(
      of: { if case .previewFrame("a", _, _, _) = $0 { true } else { false } }, reaching: 15, within: .seconds(10))
    #expect(looped, "a second pass")
    let elapsed = clock.now - started
    // Fifteen frames at 24 fps: the last is due 14/24 s after the first, across the loop.
    #expect(elapsed >= .milliseconds(560), "\(elapsed)")
    let expected: [Double] = (0..<15).map { Double($0 % 12) / 24 }
    #expect(Array(times().prefix(15)) == expected)
    #expect(source.events.items == ["play from 0.0"], "one decoder for every pass")
    runner.perform(.stopPreviews)
    await tasks.cancelAll()
  }

  @Test func stoppingEndsThePlaybackTask() async {
    let source = SyntheticSource(frameCount: 10_000, frameRate: 24)
    let (runner, probe, tasks) = runner(source)
    runner.perform(.playPreview(id: "a", path: "/v.mp4", box: CellSize(columns: 40, rows: 12), from: 0))
    _ = await probe.first { if case .previewFrame = $0 { true } else { nil } }
    #expect(tasks.count == 1)
    runner.perform(.stopPlayback)
    await tasks.cancelAll()
    #expect(tasks.count == 0, "nothing decodes once stopped")
  }

  @Test func aPausedFrameIsOneFrameAtItsTime() async {
    let (runner, probe, _) = runner(SyntheticSource())
    runner.perform(.showPreviewFrame(id: "a", path: "/v.mp4", box: CellSize(columns: 40, rows: 12), at: 0.25))
    let shown: PreviewPicture? = await probe.first { action in
      if case .previewFrame("a", let picture, let duration, let rate) = action, duration == 0.5, rate == 24 {
        return picture
      }
      return nil
    }
    #expect(shown?.time == 6.0 / 24)
  }

  @Test func thumbnailsAreTheFirstAndTheLastFrame() async {
    let (runner, probe, _) = runner(SyntheticSource(frameCount: 12, frameRate: 24))
    runner.perform(.loadThumbnails(id: "a", path: "/v.mp4", frame: CellSize(columns: 16, rows: 5)))
    let pictures = await probe.first { if case .previewThumbnails("a", let pictures) = $0 { pictures } else { nil } }
    let times: [Double] = [0, 11.0 / 24]
    #expect(pictures?.map(\.time) == times)
  }

  @Test func theFormsSourceIsAStillOrTheFrameAnExtensionStartsFrom() async {
    let (runner, probe, _) = runner(SyntheticSource(frameCount: 12, frameRate: 24))
    runner.perform(
      .loadSourceThumbnail(
        key: "img", path: "/i.png", isVideo: false, startFrame: nil, frame: CellSize(columns: 16, rows: 5)))
    let still = await probe.first { if case .previewSource("img", let picture) = $0 { picture } else { nil } }
    #expect(still?.time == 0 && (still?.art.width ?? 0) > 0)
    runner.perform(
      .loadSourceThumbnail(
        key: "vid", path: "/v.mp4", isVideo: true, startFrame: 6, frame: CellSize(columns: 16, rows: 5)))
    let start = await probe.first { if case .previewSource("vid", let picture) = $0 { picture } else { nil } }
    #expect(start?.time == 6.0 / 24)
  }

  /// With a pixel protocol, a picture is blank cells of its size and the protocol's escape over
  /// them (sixel here: a DCS with raster attributes), sized by the terminal's cell pixels.
  @Test func pixelModeMakesEscapesOverBlankCells() async throws {
    let (inbox, probe) = ActionProbe.inbox()
    let runner = PreviewRunner(
      source: SyntheticSource(), inbox: inbox, tasks: TaskTracker(), depth: .truecolor, mode: .sixel,
      cellSize: PixelSize(width: 8, height: 16))
    runner.perform(
      .loadPreviewSheet(id: "a", path: "/v.mp4", sha256: nil, count: 2, frame: CellSize(columns: 20, rows: 6)))
    let pictures = await probe.first { if case .previewSheet("a", let pictures) = $0 { pictures } else { nil } }
    let picture = try #require(pictures?.first)
    let pixels = try #require(picture.pixels)
    #expect(pixels.layer == .inCells && pixels.columns == picture.art.width && pixels.rows == picture.art.height)
    #expect(picture.art.cells.allSatisfy { $0.text == " " && $0.colors == nil })
    #expect(pixels.escape.hasPrefix("\u{1B}P") && pixels.escape.contains("q\"1;1;"))
    #expect(pixels.escape.hasSuffix("\u{1B}\\"))
  }

  @Test func aFailureIsOneLineForTheUser() async {
    let (runner, probe, _) = runner(SyntheticSource(failure: "the video file is missing\nmore detail"))
    runner.perform(
      .loadPreviewSheet(id: "a", path: "/v.mp4", sha256: nil, count: 3, frame: CellSize(columns: 20, rows: 6)))
    let reason = await probe.first { if case .previewUnavailable("a", let reason) = $0 { reason } else { nil } }
    #expect(reason == "the video file is missing")
    runner.perform(.playPreview(id: "b", path: "/v.mp4", box: CellSize(columns: 40, rows: 12), from: 0))
    let played = await probe.first { if case .previewUnavailable("b", let reason) = $0 { reason } else { nil } }
    #expect(played == "the video file is missing")
  }
}
