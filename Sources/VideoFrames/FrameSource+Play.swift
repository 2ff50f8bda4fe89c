import DedicatedThreads
import Foundation
import Synchronization
import TerminalScreen

extension FrameSource {
  /// Plays `url` from `start` seconds: one decoder process decoding and scaling to fit `box` (exactly
  /// `box` when it has the video's shape), its raw RGBA read one frame per pull. Frame times follow
  /// the video's rate; pacing is the caller's.
  ///
  /// With `looping`, the same process starts the video over at its end (no new process, no new
  /// probe per pass) and frame times start again at 0; it stops at the first decoding error
  /// instead of looping over a file it cannot decode, and the stream then ends. `render` turns each frame into what the caller keeps, on the reader's thread: the
  /// frame's pixels are read into one buffer that is reused for the next frame when `render` does
  /// not keep them (no allocation per frame, no thread per frame).
  ///
  /// Backpressure: a frame is read only when the consumer asks for the next one, so a paused
  /// player leaves the decoder blocked on a full pipe (no CPU, no wake-ups) and memory holds one frame
  /// whatever the video's length or size. Ending the iteration, cancelling its task or dropping
  /// the stream kills the child; its reaping happens on the reader's thread.
  public func play<Picture: Sendable>(
    _ url: URL, fitting box: PixelSize, from start: Double = 0, looping: Bool = false,
    render: @escaping @Sendable (TimedFrame) -> Picture
  ) -> AsyncThrowingStream<Picture, Error> {
    let playback = Playback(source: self, url: url, box: box, start: start, looping: looping, render: render)
    return AsyncThrowingStream(unfolding: { try await playback.next() })
  }

  /// ``play(_:fitting:from:looping:render:)`` keeping the frames as they are.
  public func play(_ url: URL, fitting box: PixelSize, from start: Double = 0, looping: Bool = false)
    -> AsyncThrowingStream<TimedFrame, Error>
  {
    play(url, fitting: box, from: start, looping: looping) { $0 }
  }

  /// The decoder's command line for playback: one decoding thread, no deblocking and swscale's
  /// fast bilinear (Sources/magi-decode/main.c). Playback needs real time, not throughput, and a
  /// frame shrunk ten times over shows no block edges; exact bilinear cost as much as the
  /// decoding saved by the rest (0.149 against 0.126 s of CPU for the 720p clip at 120×68).
  func playArguments(_ url: URL, info: VideoInfo, size: PixelSize, firstIndex: Int, looping: Bool) -> [String] {
    let argv = [
      decoder ?? "magi-decode", "play", url.path, "\(size.width)", "\(size.height)",
      FrameSource.seconds(firstIndex == 0 ? 0 : FrameSource.middle(of: firstIndex, rate: info.frameRate)),
    ]
    return looping ? argv + ["--loop"] : argv
  }
}

/// The consumer's side of one playback: starts the child on the first pull, hands pulls to the
/// reader thread, and kills the child when it goes away (a stream dropped unfinished).
private final class Playback<Picture: Sendable>: Sendable {
  private let source: FrameSource
  private let url: URL
  private let box: PixelSize
  private let start: Double
  private let looping: Bool
  private let render: @Sendable (TimedFrame) -> Picture
  private let feed = FrameFeed<Picture>()

  init(
    source: FrameSource, url: URL, box: PixelSize, start: Double, looping: Bool,
    render: @escaping @Sendable (TimedFrame) -> Picture
  ) {
    self.source = source
    self.url = url
    self.box = box
    self.start = start
    self.looping = looping
    self.render = render
  }

  deinit { feed.cancel() }

  func next() async throws -> Picture? {
    if !feed.isStarted {
      let info = try await source.probe(url)
      guard source.decoder != nil else { throw PreviewError.decoderMissing }
      let first = info.frameIndex(at: max(0, start))
      let size = info.size(fitting: box)
      let argv = source.playArguments(url, info: info, size: size, firstIndex: first, looping: looping)
      try feed.begin(
        argv, size: size, path: url.path, firstIndex: first, frameRate: info.frameRate,
        wrapAt: looping ? info.frameCount : nil, render: render)
    }
    return try await feed.next()
  }
}

/// Meets pulls from the consumer and frames from the reader thread, one at a time.
///
/// The thread waits for demand (a semaphore), reads exactly one frame (blocking on the pipe while
/// the decoder makes it), hands it to the waiting pull, and waits again.
private final class FrameFeed<Picture: Sendable>: Sendable {
  private struct State {
    var child: ChildPipe?
    var waiting: CheckedContinuation<Result<Picture?, Error>, Never>?
    var cancelled = false
    var ended = false
  }

  private let state = Mutex(State())
  private let demand = DispatchSemaphore(value: 0)

  var isStarted: Bool { state.withLock { $0.child != nil || $0.ended || $0.cancelled } }

  /// Starts the child and the reader thread. Frame `n` of the stream (from 0) is the video's
  /// frame `firstIndex + n`, modulo `wrapAt` when the decoder loops.
  func begin(
    _ argv: [String], size: PixelSize, path: String, firstIndex: Int, frameRate: Double, wrapAt: Int?,
    render: @escaping @Sendable (TimedFrame) -> Picture
  ) throws(PreviewError) {
    let child = try ChildPipe.spawn(argv)
    let proceed = state.withLock { state in
      guard !state.cancelled else { return false }
      state.child = child
      return true
    }
    guard proceed else {
      child.kill()
      DedicatedThread.start(named: "magi-reap") { _ = child.finish() }
      return
    }
    DedicatedThread.start(named: "magi-play") { [self] in
      var index = firstIndex
      var outcome: Result<Picture?, Error> = .success(nil)
      let length = size.width * size.height * 4
      // One buffer for every frame: unique again once `render` has dropped the frame, so the
      // next read writes into it in place.
      var pixels = [UInt8](repeating: 0, count: length)
      while true {
        demand.wait()
        if state.withLock({ $0.cancelled }) { break }
        let got = pixels.withUnsafeMutableBytes { child.read(into: $0) }
        guard got == length else { break }
        let position = wrapAt.map { index % max(1, $0) } ?? index
        let frame = TimedFrame(
          time: Double(position) / frameRate, image: RGBAImage(width: size.width, height: size.height, pixels: pixels))
        deliver(.success(render(frame)))
        index += 1
      }
      let exit = child.finish()
      if !exit.succeeded, index == firstIndex, !state.withLock({ $0.cancelled }) {
        outcome = .failure(FrameSource.failure(exit, path: path, otherwise: ""))
      }
      state.withLock { $0.ended = true }
      deliver(outcome)
    }
  }

  func next() async throws -> Picture? {
    let result: Result<Picture?, Error> = await withTaskCancellationHandler {
      await withCheckedContinuation { continuation in
        let finished = state.withLock { state in
          if state.ended || state.cancelled { return true }
          state.waiting = continuation
          return false
        }
        if finished { continuation.resume(returning: .success(nil)) } else { demand.signal() }
      }
    } onCancel: {
      cancel()
    }
    return try result.get()
  }

  /// Ends the playback: the child dies, a waiting pull gets the end, the reader thread reaps.
  func cancel() {
    let (child, waiting) = state.withLock { state in
      state.cancelled = true
      defer { state.waiting = nil }
      return (state.child, state.waiting)
    }
    child?.kill()
    demand.signal()
    waiting?.resume(returning: .success(nil))
  }

  private func deliver(_ result: Result<Picture?, Error>) {
    let waiting = state.withLock { state in
      defer { state.waiting = nil }
      return state.waiting
    }
    waiting?.resume(returning: result)
  }
}
