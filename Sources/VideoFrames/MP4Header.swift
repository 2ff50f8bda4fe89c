import TerminalScreen

#if canImport(Glibc)
  import Glibc
#endif

/// A video's facts read from its MP4 (ISO BMFF, QuickTime) header in-process, so that a preview
/// does not start a probing process first: `ffprobe` cost ~60 ms of CPU and ~100 ms of wall time on a
/// loaded machine before any frame was decoded (docs/PERFORMANCE.md, "Previews").
///
/// Reads only box headers and the few boxes it needs (`moov`/`trak`/`tkhd`, `mdia`/`mdhd`/`hdlr`,
/// `stbl`/`stsd`/`stts`), each with a bounded read at its offset: the media data (`mdat`, usually
/// nearly all of the file and often before `moov`) is stepped over by its size, never read. The
/// first video track is the one libavformat picks by default.
///
/// Anything it does not fully understand gives nil, and the caller asks the decoder's probe
/// instead: a file that is not MP4, a fragmented MP4 (its samples are in `moof` boxes), a track
/// whose matrix rotates or flips the picture (the probe reports the coded size, which is what the
/// decoder writes: such a video is previewed as coded, not turned upright), a box
/// that runs past the end of the file (a truncated download), an unknown box version.
enum MP4Header {
  /// The largest `stts` table read (8 bytes an entry): a constant-rate video has one entry, a
  /// variable-rate one up to one per frame, and a 4-hour clip at 60 fps has under 900,000 frames.
  static let maxTimeToSampleEntries = 1 << 20
  /// Boxes visited in all; a file that claims more is not one to trust.
  static let maxBoxes = 4096

  /// The facts of the file at `path`, or nil (see the type's comment).
  static func info(path: String) -> VideoInfo? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var status = stat()
    guard fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
    return info(in: FileBytes(fd: fd, size: Int(status.st_size)))
  }

  /// The facts of the MP4 in `source`, or nil.
  static func info(in source: some ByteSource) -> VideoInfo? {
    var budget = maxBoxes
    let top = boxes(in: source, from: 0, to: source.size, budget: &budget)
    guard top.first?.type == "ftyp", let moov = top.first(where: { $0.type == "moov" }) else { return nil }
    let tracks = boxes(in: source, within: moov, budget: &budget).filter { $0.type == "trak" }
    for trak in tracks {
      if let track = videoTrack(trak, in: source, budget: &budget) { return track }
    }
    return nil
  }

  /// The track's facts if it is a video track whose samples are in the `moov`.
  private static func videoTrack(_ trak: Box, in source: some ByteSource, budget: inout Int) -> VideoInfo? {
    let parts = boxes(in: source, within: trak, budget: &budget)
    guard let mdia = parts.first(where: { $0.type == "mdia" }) else { return nil }
    let media = boxes(in: source, within: mdia, budget: &budget)
    guard let hdlr = media.first(where: { $0.type == "hdlr" }),
      let handler = source.bytes(at: hdlr.contentStart, count: 12), String(fourCC: handler[8..<12]) == "vide"
    else { return nil }
    guard let tkhd = parts.first(where: { $0.type == "tkhd" }), isUpright(tkhd, in: source),
      let mdhd = media.first(where: { $0.type == "mdhd" }), let timescale = timescale(mdhd, in: source),
      let minf = media.first(where: { $0.type == "minf" }),
      let stbl = boxes(in: source, within: minf, budget: &budget).first(where: { $0.type == "stbl" })
    else { return nil }
    let table = boxes(in: source, within: stbl, budget: &budget)
    guard let stsd = table.first(where: { $0.type == "stsd" }), let size = pictureSize(stsd, in: source),
      let stts = table.first(where: { $0.type == "stts" }), let timing = samples(stts, in: source),
      timing.count > 0, timing.ticks > 0
    else { return nil }
    let duration = Double(timing.ticks) / Double(timescale)
    return VideoInfo(
      width: size.width, height: size.height, frameRate: Double(timing.count) / duration,
      frameCount: timing.count, duration: duration)
  }

  // MARK: - Boxes

  /// One box: its four-character type and where its content lies in the file.
  struct Box: Equatable {
    var type: String
    var contentStart: Int
    var end: Int
    var contentLength: Int { end - contentStart }
  }

  /// The boxes inside a container box.
  private static func boxes(in source: some ByteSource, within box: Box, budget: inout Int) -> [Box] {
    boxes(in: source, from: box.contentStart, to: box.end, budget: &budget)
  }

  /// The boxes one after another from `start` to `end`; empty when any of them does not fit
  /// (a truncated or corrupt file says nothing rather than half the truth).
  static func boxes(in source: some ByteSource, from start: Int, to end: Int, budget: inout Int) -> [Box] {
    var found: [Box] = []
    var offset = start
    while offset < end {
      budget -= 1
      guard budget >= 0, end - offset >= 8, let header = source.bytes(at: offset, count: 8) else { return [] }
      var length = Int(header.bigEndian(at: 0, count: 4))
      var headerLength = 8
      if length == 1 {
        guard let large = source.bytes(at: offset + 8, count: 8) else { return [] }
        let value = large.bigEndian(at: 0, count: 8)
        guard value <= UInt64(Int.max) else { return [] }
        length = Int(value)
        headerLength = 16
      } else if length == 0 {
        length = end - offset  // to the end of its container (the file, for a last top-level box)
      }
      guard length >= headerLength, length <= end - offset else { return [] }
      found.append(Box(type: String(fourCC: header[4..<8]), contentStart: offset + headerLength, end: offset + length))
      offset += length
    }
    return found
  }

  // MARK: - The boxes read

  /// False when the track header's matrix is not the identity (rotated or flipped picture).
  private static func isUpright(_ tkhd: Box, in source: some ByteSource) -> Bool {
    guard let prefix = source.bytes(at: tkhd.contentStart, count: 1) else { return false }
    let matrixOffset: Int
    switch prefix[0] {
    case 0: matrixOffset = 40
    case 1: matrixOffset = 52
    default: return false
    }
    guard let matrix = source.bytes(at: tkhd.contentStart + matrixOffset, count: 36),
      tkhd.contentLength >= matrixOffset + 36
    else { return false }
    let identity: [UInt64] = [0x1_0000, 0, 0, 0, 0x1_0000, 0, 0, 0, 0x4000_0000]
    return (0..<9).allSatisfy { matrix.bigEndian(at: $0 * 4, count: 4) == identity[$0] }
  }

  /// The media's ticks per second, from `mdhd` (version 0 or 1).
  private static func timescale(_ mdhd: Box, in source: some ByteSource) -> UInt64? {
    guard let prefix = source.bytes(at: mdhd.contentStart, count: 1) else { return nil }
    let offset: Int
    switch prefix[0] {
    case 0: offset = 12
    case 1: offset = 20
    default: return nil
    }
    guard mdhd.contentLength >= offset + 4, let bytes = source.bytes(at: mdhd.contentStart + offset, count: 4) else {
      return nil
    }
    let value = bytes.bigEndian(at: 0, count: 4)
    return value > 0 ? value : nil
  }

  /// The coded picture size from the first sample description (a visual sample entry: width and
  /// height 24 bytes into it), which is what the decoder outputs.
  private static func pictureSize(_ stsd: Box, in source: some ByteSource) -> PixelSize? {
    // Version and flags (4), entry count (4), then the entry: size (4), format (4), reserved (6),
    // data reference index (2), pre-defined and reserved (16), width (2), height (2).
    guard stsd.contentLength >= 8 + 36, let entry = source.bytes(at: stsd.contentStart, count: 44),
      entry.bigEndian(at: 4, count: 4) >= 1
    else { return nil }
    let width = Int(entry.bigEndian(at: 40, count: 2))
    let height = Int(entry.bigEndian(at: 42, count: 2))
    return width > 0 && height > 0 ? PixelSize(width: width, height: height) : nil
  }

  /// The frame count and the media's length in ticks, summed over `stts`, read in chunks.
  private static func samples(_ stts: Box, in source: some ByteSource) -> (count: Int, ticks: UInt64)? {
    guard stts.contentLength >= 8, let header = source.bytes(at: stts.contentStart, count: 8), header[0] == 0 else {
      return nil
    }
    let entries = Int(header.bigEndian(at: 4, count: 4))
    guard entries <= maxTimeToSampleEntries, stts.contentLength >= 8 + entries * 8 else { return nil }
    var count: UInt64 = 0
    var ticks: UInt64 = 0
    var done = 0
    let chunk = 4096
    while done < entries {
      let now = min(chunk, entries - done)
      guard let bytes = source.bytes(at: stts.contentStart + 8 + done * 8, count: now * 8) else { return nil }
      for entry in 0..<now {
        let samples = bytes.bigEndian(at: entry * 8, count: 4)
        count += samples
        ticks += samples * bytes.bigEndian(at: entry * 8 + 4, count: 4)
      }
      done += now
    }
    guard count <= UInt64(Int32.max) else { return nil }
    return (Int(count), ticks)
  }
}

/// Bytes at offsets of a file (or of an array, in tests), read only where asked.
protocol ByteSource {
  var size: Int { get }
  /// Exactly `count` bytes at `offset`, or nil when they are not all there.
  func bytes(at offset: Int, count: Int) -> [UInt8]?
}

/// A file's bytes by `pread`.
struct FileBytes: ByteSource {
  let fd: Int32
  let size: Int

  func bytes(at offset: Int, count: Int) -> [UInt8]? {
    guard offset >= 0, count >= 0, offset <= size - count else { return nil }
    var filled = 0
    let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
      while filled < count {
        let got = pread(fd, buffer.baseAddress! + filled, count - filled, off_t(offset + filled))
        if got > 0 {
          filled += got
        } else if got < 0, errno == EINTR {
          continue
        } else {
          break
        }
      }
      if filled < count { (buffer.baseAddress! + filled).initialize(repeating: 0, count: count - filled) }
      initialized = count
    }
    return filled == count ? bytes : nil
  }
}

extension [UInt8]: ByteSource {
  var size: Int { count }

  func bytes(at offset: Int, count: Int) -> [UInt8]? {
    guard offset >= 0, count >= 0, offset <= self.count - count else { return nil }
    return Array(self[offset..<offset + count])
  }
}

extension [UInt8] {
  /// The unsigned big-endian number in `count` bytes at `offset`.
  fileprivate func bigEndian(at offset: Int, count: Int) -> UInt64 {
    self[offset..<offset + count].reduce(0) { $0 << 8 | UInt64($1) }
  }
}

extension String {
  /// A box type as text (ISO 8859-1, so any four bytes give four characters).
  fileprivate init(fourCC bytes: some Collection<UInt8>) {
    self.init(bytes.map { Character(Unicode.Scalar($0)) })
  }
}
