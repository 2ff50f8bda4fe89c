import Foundation
import Synchronization
import TerminalScreen
import Testing

@testable import VideoFrames

/// The MP4 header reader: synthetic files box by box (each field where the format puts it), the
/// files it must refuse so that the decoder's probe answers instead, and real clips from ffmpeg read
/// the same as that probe (libavformat) reads them, touching only their headers.
@Suite struct MP4HeaderTests {
  // MARK: - Synthetic files

  @Test func readsSizeFrameCountRateAndDuration() {
    let file = MP4Builder().bytes()
    #expect(MP4Header.info(in: file) == VideoInfo(width: 1280, height: 720, frameRate: 24, frameCount: 96, duration: 4))
  }

  @Test func moovBeforeOrAfterTheMediaAndLargeSizes() {
    var builder = MP4Builder()
    builder.moovFirst = true
    #expect(MP4Header.info(in: builder.bytes())?.frameCount == 96)
    builder.moovFirst = false
    builder.largeMdat = true
    #expect(MP4Header.info(in: builder.bytes())?.frameCount == 96)
  }

  @Test func variableFrameDurationsAreSummed() {
    var builder = MP4Builder()
    // 30000/1001 fps: 10 frames of 1001 ticks at 30000, then 5 of 2002 (a slower stretch).
    builder.timescale = 30000
    builder.timeToSample = [(10, 1001), (5, 2002)]
    let info = MP4Header.info(in: builder.bytes())
    #expect(info?.frameCount == 15)
    #expect(info.map { abs($0.duration - 20020.0 / 30000) < 1e-9 } == true)
    #expect(info.map { abs($0.frameRate - 15 / (20020.0 / 30000)) < 1e-9 } == true)
  }

  @Test func version1HeadersAreRead() {
    var builder = MP4Builder()
    builder.version1 = true
    #expect(MP4Header.info(in: builder.bytes()) == MP4Builder().expected)
  }

  @Test func theFirstVideoTrackIsChosenPastAnAudioOne() {
    var builder = MP4Builder()
    builder.audioTrackFirst = true
    #expect(MP4Header.info(in: builder.bytes()) == MP4Builder().expected)
  }

  @Test func refusesWhatTheProbeMustAnswer() {
    // Not MP4 at all (a Matroska/WebM file starts with an EBML header).
    #expect(MP4Header.info(in: [0x1A, 0x45, 0xDF, 0xA3] + [UInt8](repeating: 0, count: 60)) == nil)
    // A rotated picture: left to the probe, which reports the size the decoder writes.
    var rotated = MP4Builder()
    rotated.matrix = [0, 0x1_0000, 0, 0xFFFF_0000, 0, 0, 0, 0, 0x4000_0000]
    #expect(MP4Header.info(in: rotated.bytes()) == nil)
    // Fragmented: no samples in the moov.
    var fragmented = MP4Builder()
    fragmented.timeToSample = []
    #expect(MP4Header.info(in: fragmented.bytes()) == nil)
    // No video track.
    var audioOnly = MP4Builder()
    audioOnly.handler = "soun"
    #expect(MP4Header.info(in: audioOnly.bytes()) == nil)
    // Cut short anywhere: a box runs past the end.
    let whole = MP4Builder().bytes()
    for length in stride(from: 0, to: whole.count, by: 7) {
      #expect(MP4Header.info(in: Array(whole.prefix(length))) == nil, "a prefix of \(length) bytes")
    }
  }

  @Test func lyingSizesAreRefused() {
    var file = MP4Builder().bytes()
    // The ftyp box claims to be larger than the file.
    file.replaceSubrange(0..<4, with: [0x7F, 0xFF, 0xFF, 0xFF])
    #expect(MP4Header.info(in: file) == nil)
    // A box shorter than its own header.
    var short = MP4Builder().bytes()
    short.replaceSubrange(0..<4, with: [0, 0, 0, 4])
    #expect(MP4Header.info(in: short) == nil)
  }

  // MARK: - Real files

  @Test(arguments: ["counting", "long", "faststart", "mov"])
  func realClipsReadAsTheProbeReadsThem(_ name: String) async throws {
    let url = try await Self.clip(name)
    let fromHeader = try #require(MP4Header.info(path: url.path))
    let fromProbe = try #require(try await FrameSource().probeReport(url).info())
    #expect(fromHeader.width == fromProbe.width && fromHeader.height == fromProbe.height)
    #expect(fromHeader.frameCount == fromProbe.frameCount)
    #expect(abs(fromHeader.frameRate - fromProbe.frameRate) < 1e-6)
    #expect(abs(fromHeader.duration - fromProbe.duration) < 0.01)
  }

  @Test func onlyTheHeaderIsRead() async throws {
    let url = try await TestClips.long()
    let fd = open(url.path, O_RDONLY)
    defer { close(fd) }
    var status = stat()
    fstat(fd, &status)
    let counting = CountingBytes(file: FileBytes(fd: fd, size: Int(status.st_size)))
    #expect(MP4Header.info(in: counting)?.frameCount == 300)
    // The file is mostly media data; the reads are a few boxes' headers and tables.
    let read = counting.total.withLock { $0 }
    #expect(read < 4096 && read * 10 < Int(status.st_size), "\(read) of \(status.st_size) bytes read")
  }

  @Test func otherContainersFallBackToTheProbe() async throws {
    let url = try await TestClips.make(
      "counting.mkv", ["-f", "lavfi", "-i", "color=c=gray:s=64x48:r=24:d=1", "-c:v", "libx264", "-preset", "ultrafast"])
    #expect(MP4Header.info(path: url.path) == nil)
    let info = try await FrameSource().probe(url)
    #expect(info.width == 64 && info.height == 48 && info.frameRate == 24)
  }

  static func clip(_ name: String) async throws -> URL {
    switch name {
    case "counting": return try await TestClips.counting()
    case "long": return try await TestClips.long()
    case "faststart":
      return try await TestClips.make(
        "faststart.mp4",
        [
          "-f", "lavfi", "-i", "testsrc2=s=200x120:r=30000/1001", "-frames:v", "45", "-c:v", "libx264", "-preset",
          "ultrafast", "-movflags", "+faststart",
        ])
    default:
      return try await TestClips.make(
        "clip.mov", ["-f", "lavfi", "-i", "testsrc2=s=96x64:r=25", "-frames:v", "30", "-c:v", "mpeg4"])
    }
  }
}

/// Counts the bytes read through it.
private final class CountingBytes: ByteSource, Sendable {
  let file: FileBytes
  let total = Mutex(0)

  init(file: FileBytes) { self.file = file }

  var size: Int { file.size }

  func bytes(at offset: Int, count: Int) -> [UInt8]? {
    total.withLock { $0 += count }
    return file.bytes(at: offset, count: count)
  }
}

/// A minimal MP4 written box by box: `ftyp`, `mdat` and a `moov` with one video track (optionally
/// an audio track before it), each field at the offset the format gives it.
struct MP4Builder {
  var moovFirst = false
  var largeMdat = false
  var version1 = false
  var audioTrackFirst = false
  var handler = "vide"
  var width = 1280
  var height = 720
  var timescale = 12288
  var timeToSample: [(count: Int, delta: Int)] = [(96, 512)]
  var matrix: [UInt32] = [0x1_0000, 0, 0, 0, 0x1_0000, 0, 0, 0, 0x4000_0000]

  var expected: VideoInfo { VideoInfo(width: 1280, height: 720, frameRate: 24, frameCount: 96, duration: 4) }

  func bytes() -> [UInt8] {
    let ftyp = box("ftyp", Array("isom".utf8) + word(512) + Array("isomiso2avc1mp41".utf8))
    let media = [UInt8](repeating: 0xAB, count: 3000)
    let mdat =
      largeMdat
      ? word(1) + Array("mdat".utf8) + word(0) + word(UInt32(16 + media.count)) + media : box("mdat", media)
    var tracks: [UInt8] = []
    if audioTrackFirst { tracks += track(handler: "soun") }
    tracks += track(handler: handler)
    let moov = box("moov", box("mvhd", [UInt8](repeating: 0, count: 100)) + tracks)
    return moovFirst ? ftyp + moov + mdat : ftyp + mdat + moov
  }

  private func track(handler: String) -> [UInt8] {
    let tkhd: [UInt8]
    if version1 {
      tkhd =
        [1, 0, 0, 3] + zeros(8 + 8) + word(1) + zeros(4) + zeros(8) + zeros(8) + zeros(8) + matrixBytes
        + word(UInt32(width) << 16) + word(UInt32(height) << 16)
    } else {
      tkhd =
        [0, 0, 0, 3] + zeros(4 + 4) + word(1) + zeros(4) + zeros(4) + zeros(8) + zeros(8) + matrixBytes
        + word(UInt32(width) << 16) + word(UInt32(height) << 16)
    }
    let total = timeToSample.reduce(0) { $0 + $1.count * $1.delta }
    let mdhd =
      version1
      ? [1, 0, 0, 0] + zeros(16) + word(UInt32(timescale)) + word(0) + word(UInt32(total)) + zeros(4)
      : [0, 0, 0, 0] + zeros(8) + word(UInt32(timescale)) + word(UInt32(total)) + zeros(4)
    let hdlr = zeros(4) + zeros(4) + Array(handler.utf8) + zeros(12) + Array("VideoHandler\0".utf8)
    // A visual sample entry: reserved (6), data reference index (2), 16 bytes, width, height, rest.
    let entry = box("avc1", zeros(6) + [0, 1] + zeros(16) + half(width) + half(height) + zeros(50))
    let stsd = box("stsd", zeros(4) + word(1) + entry)
    var stts = zeros(4) + word(UInt32(timeToSample.count))
    for (count, delta) in timeToSample { stts += word(UInt32(count)) + word(UInt32(delta)) }
    let stbl = box("stbl", stsd + box("stts", stts) + box("stsz", zeros(12)))
    let minf = box("minf", box("vmhd", zeros(12)) + stbl)
    let mdia = box("mdia", box("mdhd", mdhd) + box("hdlr", hdlr) + minf)
    return box("trak", box("tkhd", tkhd) + mdia)
  }

  private var matrixBytes: [UInt8] { matrix.flatMap(word) }

  private func box(_ type: String, _ content: [UInt8]) -> [UInt8] {
    word(UInt32(8 + content.count)) + Array(type.utf8) + content
  }

  private func word(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(value >> (24 - 8 * $0) & 0xFF) } }
  private func half(_ value: Int) -> [UInt8] { [UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
  private func zeros(_ count: Int) -> [UInt8] { [UInt8](repeating: 0, count: count) }
}
