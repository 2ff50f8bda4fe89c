import StudioCore
import StudioUI
import Synchronization
import TerminalGraphics
import TerminalScreen

/// Performs the preview effects: decodes frames through a ``PreviewFrameSource``, turns them into
/// pictures (``PreviewPictures``: block-symbol cells, or pixel escapes over blank cells) and posts
/// them as actions.
///
/// One sheet and one playback at a time, each a tracked task: a new request replaces the last, and
/// `.stopPreviews` ends both, so nothing decodes while no preview is visible. Playback paces
/// itself by the frames' times with a sleep between frames; paused or stopped, there is no task,
/// no timer and no child process. Turning pixels into cells is CPU work (chafa's symbol search for
/// stills, half blocks for playback), run on a thread of its own (``IOThread``), never on the pool.
public final class PreviewRunner: Sendable {
  private let source: any PreviewFrameSource
  private let inbox: Inbox
  private let tasks: TaskTracker
  private let pictures: PreviewPictures
  /// The sheet's task and the playback's.
  private let running = Mutex<[Slot: Task<Void, Never>]>([:])

  private enum Slot: Hashable {
    case sheet
    case playback
    case thumbnails
    case source
    /// A compare cell's sheet, by record id: several at once.
    case compare(String)
  }

  /// - Parameters:
  ///   - depth: the terminal's colour depth, which the symbols' colours are chosen for.
  ///   - mode: symbols, or the pixel protocol pictures are sent in (``PreviewPictures``).
  ///   - cellSize: the terminal's pixels per cell, for a pixel protocol.
  public init(
    source: any PreviewFrameSource, inbox: Inbox, tasks: TaskTracker, depth: ColorDepth,
    mode: GraphicsMode = .symbols, cellSize: PixelSize = PixelEncoder.defaultCellSize
  ) {
    self.source = source
    self.inbox = inbox
    self.tasks = tasks
    pictures = PreviewPictures(mode: mode.isPixelProtocol ? mode : .symbols, depth: depth, cellSize: cellSize)
  }

  /// Starts (or stops) what `effect` asks; false for an effect that is not a preview's.
  @discardableResult
  public func perform(_ effect: Effect) -> Bool {
    switch effect {
    case .loadPreviewSheet(let id, let path, let sha256, let count, let frame):
      replace(.sheet) { await self.loadSheet(id: id, path: path, sha256: sha256, count: count, frame: frame) }
    case .playPreview(let id, let path, let box, let start):
      replace(.playback) { await self.play(id: id, path: path, box: box, from: start) }
    case .showPreviewFrame(let id, let path, let box, let time):
      replace(.playback) { await self.show(id: id, path: path, box: box, at: time) }
    case .loadSourceThumbnail(let key, let path, let isVideo, let startFrame, let frame):
      replace(.source) {
        await self.loadSource(key: key, path: path, isVideo: isVideo, startFrame: startFrame, frame: frame)
      }
    case .loadThumbnails(let id, let path, let frame):
      replace(.thumbnails) { await self.loadThumbnails(id: id, path: path, frame: frame) }
    case .loadCompareSheet(let id, let path, let sha256, let count, let frame):
      replace(.compare(id)) { await self.loadSheet(id: id, path: path, sha256: sha256, count: count, frame: frame) }
    case .stopPlayback:
      replace(.playback, with: nil)
    case .stopPreviews:
      replace(.playback, with: nil)
      replace(.sheet, with: nil)
      replace(.thumbnails, with: nil)
      running.withLock { running in
        for slot in Array(running.keys) {
          guard case .compare = slot else { continue }
          running.removeValue(forKey: slot)?.cancel()
        }
      }
    default:
      return false
    }
    return true
  }

  /// Cancels the task in `slot` and starts `work` in its place (cancelled first, so a frame of
  /// the old request is not posted after one of the new).
  private func replace(_ slot: Slot, with work: (@Sendable () async -> Void)?) {
    running.withLock { running in
      running[slot]?.cancel()
      running[slot] = work.flatMap { tasks.start($0) }
    }
  }

  private func loadSheet(id: String, path: String, sha256: String?, count: Int, frame: CellSize) async {
    do {
      let frames = try await source.keyframes(
        of: path, sha256: sha256, count: count, fitting: pictures.stillPixels(frame))
      if Task.isCancelled { return }
      let pictures = pictures
      let sheet = await IOThread.run { frames.map { pictures.still($0, box: frame) } }
      if Task.isCancelled { return }
      inbox.post(.previewSheet(id: id, sheet))
    } catch {
      if Task.isCancelled { return }
      inbox.post(.previewUnavailable(id: id, reason: Self.reason(error)))
    }
  }

  /// The first frame and the last (one frame before the end: ``PreviewFrameSource/frame(of:at:fitting:)``
  /// gives the frame shown at a time).
  private func loadThumbnails(id: String, path: String, frame: CellSize) async {
    do {
      let video = try await source.probe(path)
      let last = max(0, video.duration - 1 / max(1, video.frameRate))
      var frames: [TimedFrame] = []
      for time in [0, last] {
        frames.append(try await source.frame(of: path, at: time, fitting: pictures.stillPixels(frame)))
      }
      if Task.isCancelled { return }
      let (pictures, decoded) = (pictures, frames)
      let thumbnails = await IOThread.run { decoded.map { pictures.still($0, box: frame) } }
      if Task.isCancelled { return }
      inbox.post(.previewThumbnails(id: id, thumbnails))
    } catch {
      if Task.isCancelled { return }
      inbox.post(.previewUnavailable(id: id, reason: Self.reason(error)))
    }
  }

  /// The form's source: an image as it is, a video's frame where the extension starts.
  private func loadSource(key: String, path: String, isVideo: Bool, startFrame: Int?, frame: CellSize) async {
    do {
      let decoded: TimedFrame
      if isVideo {
        let video = try await source.probe(path)
        let rate = max(1, video.frameRate)
        let time = startFrame.map { Double($0) / rate } ?? max(0, video.duration - 1 / rate)
        decoded = try await source.frame(of: path, at: time, fitting: pictures.stillPixels(frame))
      } else {
        decoded = TimedFrame(time: 0, image: try await source.still(of: path, fitting: pictures.stillPixels(frame)))
      }
      if Task.isCancelled { return }
      let pictures = pictures
      let picture = await IOThread.run { pictures.still(decoded, box: frame) }
      if Task.isCancelled { return }
      inbox.post(.previewSource(key: key, picture))
    } catch {
      if Task.isCancelled { return }
      inbox.post(.previewUnavailable(id: key, reason: Self.reason(error)))
    }
  }

  private func show(id: String, path: String, box: CellSize, at time: Double) async {
    do {
      let video = try await source.probe(path)
      let frame = try await source.frame(of: path, at: time, fitting: pictures.stillPixels(box))
      let pictures = pictures
      let picture = await IOThread.run { pictures.still(frame, box: box) }
      if Task.isCancelled { return }
      inbox.post(.previewFrame(id: id, picture, duration: video.duration, frameRate: video.frameRate))
    } catch {
      if Task.isCancelled { return }
      inbox.post(.previewUnavailable(id: id, reason: Self.reason(error)))
    }
  }

  /// Plays from `start` to the end, then from the start again, until cancelled: one decoder for
  /// every pass (the source loops), whose reader thread also makes the half-block pictures.
  ///
  /// Frames are due one frame length apart from the first; a new pass starts its own count (so a
  /// pass that ran late does not make the next one rush). A frame ready late by more than a frame
  /// is dropped while frames are still being shown at the video's pace (a burst after a stall
  /// catches up by frames, not seconds), but shown when the last one is older than a frame: a
  /// machine that decodes slower than real time plays slowly instead of freezing. Should the
  /// decoder stop (a file that fails to decode part-way), playback starts it again from 0.
  private func play(id: String, path: String, box: CellSize, from start: Double) async {
    let clock = ContinuousClock()
    let pictures = pictures
    do {
      let video = try await source.probe(path)
      let frameLength = Duration.seconds(1 / max(1, video.frameRate))
      var from = start
      while !Task.isCancelled {
        var shown = 0
        var lastShown: ContinuousClock.Instant?
        // This pass's first frame's due time, the frames of the pass so far, the last frame's time.
        var pass: (origin: ContinuousClock.Instant, frames: Int, lastTime: Double)?
        let stream = source.play(path, fitting: pictures.playingPixels(box), from: from, looping: true) {
          pictures.playing($0, box: box)
        }
        for try await picture in stream {
          var current = pass ?? (clock.now, 0, picture.time)
          if picture.time < current.lastTime {
            // The video started over: the new pass begins when the next frame was due, or now if later.
            current = (max(clock.now, current.origin + frameLength * current.frames), 0, picture.time)
          }
          let due = current.origin + frameLength * current.frames
          pass = (current.origin, current.frames + 1, picture.time)
          if clock.now < due {
            try await clock.sleep(until: due)
          } else if clock.now - due > frameLength, let last = lastShown, clock.now - last < frameLength {
            continue
          }
          inbox.post(.previewFrame(id: id, picture, duration: video.duration, frameRate: video.frameRate))
          lastShown = clock.now
          shown += 1
        }
        if shown == 0 && from == 0 {
          inbox.post(.previewUnavailable(id: id, reason: "the video has no frames"))
          return
        }
        from = 0
      }
    } catch {
      if Task.isCancelled { return }
      inbox.post(.previewUnavailable(id: id, reason: Self.reason(error)))
    }
  }

  /// An error in one line, as it follows "no preview: ".
  static func reason(_ error: any Error) -> String {
    let text = String(describing: error)
    return String(text.split(separator: "\n").first ?? "cannot decode the video")
  }
}
