import Foundation
import TerminalScreen
import TestSupport
import Testing

@testable import VideoFrames

/// Frames from real clips made by ffmpeg, decoded by magi-decode: probe, keyframes, single frames,
/// playback, and the one-line errors for files that cannot be previewed. Serialized: the
/// cancellation tests count this process's decoder children.
@Suite(.serialized) struct FrameSourceTests {
  let source = FrameSource()

  @Test func probeReadsSizeRateAndLength() async throws {
    let info = try await source.probe(try await TestClips.counting())
    #expect(info.width == 320 && info.height == 180)
    #expect(info.frameRate == 24)
    #expect(info.frameCount == 24)
    #expect(abs(info.duration - 1) < 0.01)
  }

  @Test func keyframesAreEvenlySpacedScaledAndInOrder() async throws {
    let frames = try await source.keyframes(
      of: try await TestClips.counting(), count: 6, fitting: PixelSize(width: 64, height: 64))
    #expect(frames.count == 6)
    #expect(frames.allSatisfy { $0.image.width == 64 && $0.image.height == 36 })
    #expect(frames.map(\.time) == [0, 4, 8, 12, 16, 20].map { Double($0) / 24 })
    // The decoded frames are the ones at those times (each frame's grey says its number).
    let levels = frames.map { TestClips.meanLevel($0.image.pixels) }
    for (level, index) in zip(levels, [0, 4, 8, 12, 16, 20]) {
      #expect(abs(level - TestClips.countingLevel(index)) < 4, "frame \(index) has level \(level)")
    }
  }

  @Test func moreKeyframesThanFramesRepeatFrames() async throws {
    let frames = try await source.keyframes(
      of: try await TestClips.counting(), count: 48, fitting: PixelSize(width: 32, height: 32))
    #expect(frames.count == 48)
    #expect(frames[0].image == frames[1].image)
    #expect(frames[0].time == 0 && frames[47].time == 23.0 / 24)
  }

  @Test func longVideosAreSampledBySeeking() async throws {
    let url = try await TestClips.long()
    let info = try await source.probe(url)
    #expect(info.frameCount == 300)
    #expect(KeyframePlan.seek(times: info.sampleTimes(count: 4)).frameCount == 4)
    let frames = try await source.keyframes(of: url, info: info, count: 4, fitting: PixelSize(width: 80, height: 80))
    #expect(frames.map(\.time) == [0, 3.125, 6.25, 9.375])
    for (frame, index) in zip(frames, [0, 75, 150, 225]) {
      let level = TestClips.meanLevel(frame.image.pixels)
      #expect(abs(level - TestClips.longLevel(index)) < 3, "frame \(index) has level \(level)")
    }
  }

  @Test func frameAtATimeIsTheFrameShownThen() async throws {
    let frame = try await source.frame(
      of: try await TestClips.counting(), at: 0.5, fitting: PixelSize(width: 320, height: 180))
    #expect(frame.time == 0.5)
    #expect(frame.image.width == 320 && frame.image.height == 180)
    #expect(abs(TestClips.meanLevel(frame.image.pixels) - TestClips.countingLevel(12)) < 4)
    // Past the end: the last frame.
    let last = try await source.frame(
      of: try await TestClips.counting(), at: 99, fitting: PixelSize(width: 32, height: 32))
    #expect(last.time == 23.0 / 24)
  }

  /// Every frame asked for by its own time is that frame, whatever its time's milliseconds: frame
  /// 2 of a 24 fps clip starts at 0.08333 s, sent as "0.083", and the decoder showed frame 1 then
  /// (the frame shown at 0.083 s) under frame 2's time; so did a playback started there.
  @Test func everyFrameByItsTimeIsThatFrame() async throws {
    let url = try await TestClips.counting()
    for index in 0..<24 {
      let frame = try await source.frame(of: url, at: Double(index) / 24, fitting: PixelSize(width: 16, height: 16))
      #expect(frame.time == Double(index) / 24)
      #expect(abs(TestClips.meanLevel(frame.image.pixels) - TestClips.countingLevel(index)) < 4, "frame \(index)")
    }
    var iterator = source.play(url, fitting: PixelSize(width: 16, height: 16), from: 2.0 / 24).makeAsyncIterator()
    let first = try #require(try await iterator.next())
    #expect(first.time == 2.0 / 24)
    #expect(abs(TestClips.meanLevel(first.image.pixels) - TestClips.countingLevel(2)) < 4)
  }

  @Test func playStreamsEveryFrameInOrder() async throws {
    var times: [Double] = []
    var levels: [Double] = []
    for try await frame in source.play(
      try await TestClips.counting(), fitting: PixelSize(width: 40, height: 40), from: 0.5)
    {
      times.append(frame.time)
      levels.append(TestClips.meanLevel(frame.image.pixels))
      #expect(frame.image.width == 40 && frame.image.height == 23)
    }
    #expect(times == (12..<24).map { Double($0) / 24 })
    #expect(levels == levels.sorted())
  }

  /// Looping: the same decoder starts over at the end, times from 0 again, each frame the one
  /// its time names (the reused pixel buffer never shows a frame's pixels under another's time).
  @Test func loopingPlaybackStartsOverInOneDecoder() async throws {
    let url = try await TestClips.counting()
    var frames: [(time: Double, level: Double)] = []
    for try await frame in source.play(url, fitting: PixelSize(width: 40, height: 40), from: 0.5, looping: true) {
      frames.append((frame.time, TestClips.meanLevel(frame.image.pixels)))
      if frames.count == 12 + 24 + 3 { break }
    }
    let indices = (12..<24).map { $0 } + (0..<24).map { $0 } + [0, 1, 2]
    #expect(frames.map(\.time) == indices.map { Double($0) / 24 })
    for (frame, index) in zip(frames, indices) {
      #expect(abs(frame.level - TestClips.countingLevel(index)) < 4, "frame \(index) at \(frame.time) s")
    }
    #expect(try await decoderChildren().isEmpty)
  }

  /// What `render` makes of each frame is what the stream gives, in order.
  @Test func playbackGivesWhatRenderMakes() async throws {
    var levels: [Double] = []
    let stream = source.play(try await TestClips.counting(), fitting: PixelSize(width: 8, height: 8)) { frame in
      TestClips.meanLevel(frame.image.pixels)
    }
    for try await level in stream { levels.append(level) }
    #expect(levels.count == 24 && levels == levels.sorted())
  }

  @Test func cancellingPlaybackKillsTheDecoder() async throws {
    let url = try await TestClips.long()
    let stream = source.play(url, fitting: PixelSize(width: 40, height: 40))
    let task = Task {
      var count = 0
      for try await _ in stream {
        count += 1
        if count == 3 { withUnsafeCurrentTask { $0?.cancel() } }
      }
      return count
    }
    let count = try await task.value
    #expect(count == 3)
    #expect(try await decoderChildren().isEmpty)
  }

  @Test func droppingAStreamUnfinishedKillsTheDecoder() async throws {
    do {
      var iterator = source.play(try await TestClips.long(), fitting: PixelSize(width: 40, height: 40))
        .makeAsyncIterator()
      _ = try await iterator.next()
      _ = try await iterator.next()
    }
    #expect(try await decoderChildren().isEmpty)
  }

  @Test func missingFile() async {
    let path = TestClips.directory.appendingPathComponent("nothing.mp4").path
    await #expect(throws: PreviewError.fileMissing(path: path)) {
      try await source.probe(URL(fileURLWithPath: path))
    }
  }

  @Test func downloadsInProgressAreNotDecoded() async throws {
    let part = TestClips.directory.appendingPathComponent("downloading.mp4.part")
    try Data([0, 0, 0]).write(to: part)
    let final = TestClips.directory.appendingPathComponent("downloading.mp4")
    await #expect(throws: PreviewError.stillDownloading(path: part.path)) { try await source.probe(part) }
    await #expect(throws: PreviewError.stillDownloading(path: final.path)) { try await source.probe(final) }
  }

  /// A video replaced by a named pipe is not a video, said at once: opening it to read its header
  /// waited for a writer that never comes (the CLI's `preview` hung, the studio leaked a thread
  /// per look). The test unblocks a hung open after two seconds so that it fails rather than hangs.
  @Test func aNamedPipeIsNotAVideo() async throws {
    let path = TestClips.directory.appendingPathComponent("fifo-\(UUID().uuidString).mp4").path
    #expect(mkfifo(path, 0o600) == 0)
    defer { unlink(path) }
    let unblock = Task.detached {
      try await Task.sleep(for: .seconds(2))
      while !Task.isCancelled {
        let fd = open(path, O_WRONLY | O_NONBLOCK)
        if fd >= 0 { close(fd) }
        try await Task.sleep(for: .milliseconds(100))
      }
    }
    defer { unblock.cancel() }
    let clock = ContinuousClock()
    let started = clock.now
    await #expect(throws: PreviewError.notAVideo(path: path)) { try await source.probe(URL(fileURLWithPath: path)) }
    #expect(clock.now - started < .seconds(2))
  }

  @Test func corruptFileSaysWhy() async throws {
    let url = try await TestClips.truncated()
    do {
      _ = try await source.keyframes(of: url, count: 3, fitting: PixelSize(width: 32, height: 32))
      Issue.record("a truncated clip gave frames")
    } catch {
      guard case .unreadable(let path, let reason) = error else { throw error }
      #expect(path == url.path)
      #expect(!reason.isEmpty && !reason.contains("\n"))
    }
  }

  /// A "video" that is a playlist or a concat list (a server's bytes under an .mp4 name) is refused
  /// before it can make the decoder open other files or URLs.
  @Test(arguments: [
    "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nhttp://127.0.0.1:9/x.ts\n#EXT-X-ENDLIST\n",
    "ffconcat version 1.0\nfile '/etc/passwd'\n",
  ])
  func playlistsAreNotOpened(_ text: String) async throws {
    let url = TestClips.directory.appendingPathComponent("playlist-\(UUID().uuidString).mp4")
    try text.write(to: url, atomically: true, encoding: .utf8)
    await #expect(throws: PreviewError.notAVideo(path: url.path)) { try await source.probe(url) }
    let (bytes, exit) = try await FrameSource.collect([try #require(source.decoder), "probe", url.path])
    #expect(bytes.isEmpty && exit.status == 65 && exit.lastErrorLine == "not a video or picture format a preview reads")
  }

  @Test func picturesAndSoundAreNotVideos() async throws {
    for url in [try await TestClips.picture(), try await TestClips.sound()] {
      await #expect(throws: PreviewError.notAVideo(path: url.path)) { try await source.probe(url) }
    }
  }

  @Test func missingDecoderIsOneClearError() async throws {
    let none = FrameSource(decoder: "/nonexistent/magi-decode")
    let url = try await TestClips.counting()
    await #expect(throws: PreviewError.decoderMissing) { try await none.probe(url) }
    #expect(
      PreviewError.decoderMissing.description
        == "magi-decode is not installed (looked in MAGI_STUDIO_DECODER, beside magi-studio and on PATH)")
  }

  /// The decoder is found beside the test runner, as beside the studio: `swift build` puts both there.
  @Test func theDecoderIsFoundBesideTheExecutable() throws {
    let found = try #require(source.decoder)
    let runner = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    #expect(
      URL(fileURLWithPath: found).deletingLastPathComponent()
        == URL(fileURLWithPath: runner).deletingLastPathComponent())
  }

  /// A decoder the dynamic loader cannot start (libav missing: exit 127 and the loader's line) says
  /// so, rather than blaming the video.
  @Test func aDecoderWithoutItsLibrariesSaysSo() async throws {
    let script = TestClips.directory.appendingPathComponent("loader-fails")
    let line = "magi-decode: error while loading shared libraries: libavcodec.so.59: cannot open shared object file"
    try writeScript("#!/bin/sh\necho '\(line)' >&2\nexit 127\n", to: script.path)
    let broken = FrameSource(decoder: script.path)
    await #expect(throws: PreviewError.cannotStart(line)) {
      try await broken.keyframes(of: try await TestClips.counting(), count: 2, fitting: PixelSize(width: 8, height: 8))
    }
  }

  /// Cancelling a call whose decoder hangs ends the call, even when the decoder is a wrapper
  /// (MAGI_STUDIO_DECODER) whose own child holds the pipe open after the wrapper is killed: the
  /// reading thread must not wait for that child to go.
  @Test func cancellingAHungDecoderEndsTheCall() async throws {
    let script = TestClips.directory.appendingPathComponent("hangs-\(UUID().uuidString)")
    let pidFile = script.path + ".pid"
    try writeScript("#!/bin/sh\nsleep 30 &\necho $! > '\(pidFile)'\nwait\n", to: script.path)
    defer {
      let text = (try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? ""
      if let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) { kill(pid, SIGKILL) }
    }
    let hung = FrameSource(decoder: script.path)
    let url = try await TestClips.counting()
    let clock = ContinuousClock()
    let started = clock.now
    let task = Task { try await hung.keyframes(of: url, count: 2, fitting: PixelSize(width: 8, height: 8)) }
    try await Task.sleep(for: .milliseconds(300))
    task.cancel()
    _ = try? await task.value
    #expect(clock.now - started < .seconds(10))
  }

  /// Bad arguments are refused with the usage line and exit 64, before any file is opened.
  @Test(arguments: [
    ["frames", "x.mp4", "0", "10", "--indices", "0"], ["frames", "x.mp4", "10", "10", "--indices", "1,,2"],
    ["frames", "x.mp4", "10", "10", "--times", "-1"], ["play", "x.mp4", "10", "10", "nan"], ["play", "x.mp4"],
    ["play", "x.mp4", "10", "10", "0", "--forever"], ["play", "x.mp4", "10", "10", "inf"],
    ["frames", "x.mp4", "10", "10", "--times", "0,infinity"],
  ])
  func badArgumentsAreRefused(_ arguments: [String]) async throws {
    let result = try await ChildProcess.run([try #require(source.decoder)] + arguments)
    #expect(result.status == 64)
    #expect(result.stderr.hasPrefix("usage: magi-decode"))
  }

  /// Decoder processes that are our children (zombies included), once a killed one has been reaped
  /// (the reader thread reaps it; the wait is bounded, not a sleep standing in for a signal).
  private func decoderChildren() async throws -> [String] {
    let clock = ContinuousClock()
    let deadline = clock.now + .seconds(10)
    while true {
      let children = Self.childCommands().filter { $0.contains("magi-decode") }
      if children.isEmpty || clock.now > deadline { return children }
      try await Task.sleep(for: .milliseconds(20))
    }
  }

  /// The command names of this process's live children, from /proc.
  static func childCommands() -> [String] {
    let me = getpid()
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { entry -> String? in
      guard Int32(entry) != nil, let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
      else { return nil }
      let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
      guard fields.count > 1, Int32(fields[1]) == me else { return nil }
      return String(stat[stat.index(after: stat.firstIndex(of: "(")!)..<close])
    }
  }
}
