import Foundation
import Synchronization
import TerminalScreen

extension FrameSource {
  /// Plays `url` from `start` seconds: one ffmpeg process decoding and scaling to fit `box` (exactly
  /// `box` when it has the video's shape), its raw RGBA read one frame per pull. Frame times follow the video's rate; pacing is the caller's.
  ///
  /// Backpressure: a frame is read only when the consumer asks for the next one, so a paused
  /// player leaves ffmpeg blocked on a full pipe (no CPU, no wake-ups) and memory holds one frame
  /// whatever the video's length or size. Ending the iteration, cancelling its task or dropping
  /// the stream kills the child; its reaping happens on the reader's thread.
  public func play(_ url: URL, fitting box: PixelSize, from start: Double = 0) -> AsyncThrowingStream<TimedFrame, Error>
  {
    let playback = Playback(source: self, url: url, box: box, start: start)
    return AsyncThrowingStream(unfolding: { try await playback.next() })
  }
}

/// The consumer's side of one playback: starts the child on the first pull, hands pulls to the
/// reader thread, and kills the child when it goes away (a stream dropped unfinished).
private final class Playback: Sendable {
  private let source: FrameSource
  private let url: URL
  private let box: PixelSize
  private let start: Double
  private let feed = FrameFeed()

  init(source: FrameSource, url: URL, box: PixelSize, start: Double) {
    self.source = source
    self.url = url
    self.box = box
    self.start = start
  }

  deinit { feed.cancel() }

  func next() async throws -> TimedFrame? {
    if !feed.isStarted {
      let info = try await source.probe(url)
      guard let ffmpeg = source.ffmpeg else { throw PreviewError.ffmpegMissing }
      let first = info.frameIndex(at: max(0, start))
      let size = info.size(fitting: box)
      // One decoding thread and no deblocking: playback needs real time, not throughput, and a
      // frame shrunk ten times over shows no block edges; both halve the decoder's CPU and memory.
      let argv = [
        ffmpeg, "-nostdin", "-v", "error", "-threads", "1", "-skip_loop_filter", "all", "-ss",
        FrameSource.seconds(Double(first) / info.frameRate), "-i", url.path,
        "-an", "-sn", "-vf", "scale=\(size.width):\(size.height):flags=bilinear,format=rgba", "-fps_mode",
        "passthrough",
        "-f", "rawvideo", "pipe:1",
      ]
      try feed.begin(argv, size: size, path: url.path, firstIndex: first, frameRate: info.frameRate)
    }
    return try await feed.next()
  }
}

/// Meets pulls from the consumer and frames from the reader thread, one at a time.
///
/// The thread waits for demand (a semaphore), reads exactly one frame (blocking on the pipe while
/// ffmpeg decodes it), hands it to the waiting pull, and waits again.
private final class FrameFeed: Sendable {
  private struct State {
    var child: ChildPipe?
    var waiting: CheckedContinuation<Result<TimedFrame?, Error>, Never>?
    var cancelled = false
    var ended = false
  }

  private let state = Mutex(State())
  private let demand = DispatchSemaphore(value: 0)

  var isStarted: Bool { state.withLock { $0.child != nil || $0.ended || $0.cancelled } }

  func begin(_ argv: [String], size: PixelSize, path: String, firstIndex: Int, frameRate: Double) throws(PreviewError) {
    let child = try ChildPipe.spawn(argv)
    let proceed = state.withLock { state in
      guard !state.cancelled else { return false }
      state.child = child
      return true
    }
    guard proceed else {
      child.kill()
      BlockingThread.start(named: "magi-reap") { _ = child.finish() }
      return
    }
    BlockingThread.start(named: "magi-play") { [self] in
      var index = firstIndex
      var outcome: Result<TimedFrame?, Error> = .success(nil)
      while true {
        demand.wait()
        if state.withLock({ $0.cancelled }) { break }
        guard let image = FrameSource.readFrame(from: child, size: size) else { break }
        deliver(.success(TimedFrame(time: Double(index) / frameRate, image: image)))
        index += 1
      }
      let exit = child.finish()
      if !exit.succeeded, index == firstIndex, !state.withLock({ $0.cancelled }) {
        outcome = .failure(PreviewError.unreadable(path: path, reason: FrameSource.reason(exit)))
      }
      state.withLock { $0.ended = true }
      deliver(outcome)
    }
  }

  func next() async throws -> TimedFrame? {
    let result: Result<TimedFrame?, Error> = await withTaskCancellationHandler {
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

  private func deliver(_ result: Result<TimedFrame?, Error>) {
    let waiting = state.withLock { state in
      defer { state.waiting = nil }
      return state.waiting
    }
    waiting?.resume(returning: result)
  }
}
