import DedicatedThreads
import Foundation
import TerminalScreen

/// Frames from a video file, decoded by `magi-decode` (our small child process on libavformat,
/// libavcodec and libswscale, Sources/magi-decode) and read as raw RGBA from a pipe.
///
/// The only decoder user in the client. A child process rather than libav in the studio: it keeps
/// libav's ABI and a decoder crash out of the studio's process and libav's ~136 libraries out of
/// every CLI run that shows no picture; rather than the `ffmpeg` command line: Debian's links
/// libavfilter and libavdevice too, whose libraries made a playback's process tree ~20 MB larger
/// and each start ~60 ms slower (docs/PERFORMANCE.md, "Previews"). Frames come out already scaled
/// by swscale, so a 4K video never sits in memory at 4K.
///
/// Every call spawns its own child; blocking reads and `waitpid` run on threads of their own,
/// never on the task pool. Cancelling a call kills its child.
public struct FrameSource: Sendable {
  /// The decoder's path; nil when it was not found.
  let decoder: String?

  /// Videos with at most this many frames are sampled in one decoding pass, selecting frames by
  /// index; longer ones by one seek per frame. x264's default keyframe interval is 250 frames, so
  /// a shorter clip (every MAGI output) is one GOP: each seek would decode from its start again,
  /// and one pass decodes each frame once. Past it, seeks skip whole GOPs.
  static let singlePassLimit = 250

  /// What this source has probed (kept across calls: copies of a source share it).
  let infos = VideoInfoCache()

  /// The decoder at `decoder`, else at `MAGI_STUDIO_DECODER` (a packager's own place for it), else
  /// `magi-decode` beside the running executable (where `swift build` puts it), else on `PATH`. A
  /// path given that is not an executable counts as missing (the header reader would otherwise
  /// probe a video that cannot be decoded).
  public init(decoder: String? = nil) {
    if let decoder = decoder ?? ProcessInfo.processInfo.environment["MAGI_STUDIO_DECODER"] {
      self.decoder = FileManager.default.isExecutableFile(atPath: decoder) ? decoder : nil
    } else {
      self.decoder = Self.besideExecutable("magi-decode") ?? Self.find("magi-decode")
    }
  }

  // MARK: - Probe

  /// The video's size, rate, frame count and duration: from its MP4 header when it has one
  /// (``MP4Header``, no process), else from the decoder's probe; remembered per file (``VideoInfoCache``), so
  /// a sheet, a playback and a thumbnail of one video read it once.
  public func probe(_ url: URL) async throws(PreviewError) -> VideoInfo {
    let path = url.path
    try Self.checkFile(path)
    guard decoder != nil else { throw .decoderMissing }
    let infos = infos
    let (stamp, known) = await DedicatedThread.complete(named: "magi-probe") {
      () -> (VideoInfoCache.Stamp?, VideoInfo?) in
      let stamp = VideoInfoCache.Stamp(path: path)
      if let stamp, let cached = infos.info(path: path, stamp: stamp) { return (stamp, cached) }
      return (stamp, MP4Header.info(path: path))
    }
    let info: VideoInfo
    if let known {
      info = known
    } else {
      guard let reported = try await probeReport(url).info() else { throw .notAVideo(path: path) }
      info = reported
    }
    if let stamp { infos.store(info, path: path, stamp: stamp) }
    return info
  }

  /// The decoder's report on the file (ffprobe's field names, from the same libavformat fields): for
  /// every container the header reader leaves alone, and for pictures.
  func probeReport(_ url: URL) async throws(PreviewError) -> ProbeReport {
    let path = url.path
    guard let decoder else { throw .decoderMissing }
    let (bytes, exit) = try await Self.collect([decoder, "probe", path])
    guard exit.succeeded else { throw Self.failure(exit, path: path, otherwise: "") }
    guard let report = try? JSONDecoder().decode(ProbeReport.self, from: Data(bytes)) else {
      throw .unreadable(path: path, reason: "the decoder's report cannot be read")
    }
    return report
  }

  // MARK: - Still frames

  /// `count` frames evenly spaced over the video (``VideoInfo/sampleTimes(count:)``), each scaled
  /// to fit `box`, in order. Seeks rather than decoding the whole video (see ``singlePassLimit``).
  public func keyframes(of url: URL, count: Int, fitting box: PixelSize) async throws(PreviewError) -> [TimedFrame] {
    let info = try await probe(url)
    return try await keyframes(of: url, info: info, count: count, fitting: box)
  }

  /// As ``keyframes(of:count:fitting:)`` with the probe already done.
  public func keyframes(of url: URL, info: VideoInfo, count: Int, fitting box: PixelSize) async throws(PreviewError)
    -> [TimedFrame]
  {
    guard count > 0 else { return [] }
    guard let decoder else { throw .decoderMissing }
    let size = info.size(fitting: box)
    let times = info.sampleTimes(count: count)
    let plan: KeyframePlan =
      info.frameCount <= Self.singlePassLimit
      ? .select(indices: times.map(info.frameIndex(at:)), frameRate: info.frameRate)
      : .seek(times: times)
    let argv = [decoder] + plan.arguments(input: url.path, size: size)
    let (frames, exit) = try await Self.decode(argv, size: size, limit: plan.frameCount)
    guard !frames.isEmpty else { throw Self.failure(exit, path: url.path, otherwise: "no frame decoded") }
    return plan.timed(frames, requested: times)
  }

  /// The frame shown at `time` seconds (clamped to the video), scaled to fit `box`.
  public func frame(of url: URL, at time: Double, fitting box: PixelSize) async throws(PreviewError) -> TimedFrame {
    let info = try await probe(url)
    guard let decoder else { throw .decoderMissing }
    let index = info.frameIndex(at: max(0, time))
    let shown = Double(index) / info.frameRate
    let size = info.size(fitting: box)
    let plan = KeyframePlan.seek(times: [Self.middle(of: index, rate: info.frameRate)])
    let argv = [decoder] + plan.arguments(input: url.path, size: size)
    let (frames, exit) = try await Self.decode(argv, size: size, limit: 1)
    guard let image = frames.first else {
      throw Self.failure(exit, path: url.path, otherwise: "no frame at \(Self.seconds(shown)) s")
    }
    return TimedFrame(time: shown, image: image)
  }

  // MARK: - Helpers

  /// Refuses a path that is not there, is still being downloaded or is not a regular file, before
  /// any process starts.
  static func checkFile(_ path: String) throws(PreviewError) {
    if path.hasSuffix(".part") { throw .stillDownloading(path: path) }
    let manager = FileManager.default
    var isDirectory: ObjCBool = false
    if manager.fileExists(atPath: path + ".part") { throw .stillDownloading(path: path) }
    guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else { throw .fileMissing(path: path) }
    if isDirectory.boolValue { throw .notAVideo(path: path) }
    // Only a regular file (through any symlink): opening a named pipe or a device to read its header
    // would wait for a writer that may never come, with no child to kill.
    var status = stat()
    if stat(path, &status) == 0, status.st_mode & S_IFMT != S_IFREG { throw .notAVideo(path: path) }
  }

  /// Runs `argv` to its end and returns its standard output.
  static func collect(_ argv: [String]) async throws(PreviewError) -> ([UInt8], ChildPipe.Exit) {
    let child = try ChildPipe.spawn(argv)
    return await withTaskCancellationHandler {
      await DedicatedThread.complete(named: "magi-probe") {
        let bytes = child.readAll()
        return (bytes, child.finish())
      }
    } onCancel: {
      child.kill()
    }
  }

  /// Runs `argv` and reads up to `limit` raw RGBA frames of `size` from it.
  static func decode(_ argv: [String], size: PixelSize, limit: Int) async throws(PreviewError) -> (
    [RGBAImage], ChildPipe.Exit
  ) {
    let child = try ChildPipe.spawn(argv)
    return await withTaskCancellationHandler {
      await DedicatedThread.complete(named: "magi-frames") {
        var frames: [RGBAImage] = []
        while frames.count < limit, let image = readFrame(from: child, size: size) { frames.append(image) }
        return (frames, child.finish())
      }
    } onCancel: {
      child.kill()
    }
  }

  /// One raw RGBA frame of `size` from `child`'s pipe; nil at its end (or a cut-off frame).
  static func readFrame(from child: ChildPipe, size: PixelSize) -> RGBAImage? {
    let length = size.width * size.height * 4
    var complete = false
    let pixels = [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
      let got = child.read(into: UnsafeMutableRawBufferPointer(buffer))
      complete = got == length
      // Whatever was not read is zeroed, so the array is fully initialised either way.
      if got < length { (buffer.baseAddress! + got).initialize(repeating: 0, count: length - got) }
      initialized = length
    }
    return complete ? RGBAImage(width: size.width, height: size.height, pixels: pixels) : nil
  }

  /// What a run that gave nothing means: a decoder that could not start (the dynamic loader's exit
  /// 127: libav missing), a file in no format previews read (exit 65: a playlist, a sound), the
  /// decoder's last line about the file, or, from a run that succeeded, `otherwise`.
  static func failure(_ exit: ChildPipe.Exit, path: String, otherwise: String) -> PreviewError {
    if exit.status == 127 { return .cannotStart(exit.lastErrorLine.isEmpty ? "magi-decode" : exit.lastErrorLine) }
    if exit.status == 65 { return .notAVideo(path: path) }
    if exit.succeeded { return .unreadable(path: path, reason: otherwise) }
    let reason = exit.lastErrorLine.isEmpty ? "the decoder failed (exit \(exit.status))" : exit.lastErrorLine
    return .unreadable(path: path, reason: reason)
  }

  /// The time to ask the decoder for frame `index`: the middle of its span, not its start, which
  /// the decoder reads to the millisecond (frame 2 at 24 fps starts at 0.08333 s; "0.083" is still
  /// frame 1's).
  static func middle(of index: Int, rate: Double) -> Double { (Double(index) + 0.5) / rate }

  /// Seconds as the decoder reads them, to the millisecond.
  static func seconds(_ value: Double) -> String { String(format: "%.3f", max(0, value)) }

  /// `name` in the directory of the running executable (`/proc/self/exe`): the test runner's and
  /// the studio's build directory both hold `magi-decode`.
  static func besideExecutable(_ name: String) -> String? {
    guard let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else {
      return nil
    }
    let candidate = URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent(name).path
    return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
  }

  static func find(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for directory in path.split(separator: ":") {
      let candidate = "\(directory)/\(name)"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }
}
