import DedicatedThreads
import Foundation
import TerminalScreen

/// Decoded keyframes on disk, so a sheet seen once shows again without decoding.
///
/// One file per (video sha256, requested box, count) in `directory` (the studio passes
/// `$XDG_CACHE_HOME/magi-studio/previews/`): a small header (magic, count, each frame's time and
/// size) and the frames' raw RGBA deflated at zlib's fastest level. Raw rather than PNG: reading
/// back is one `uncompress`, no filtering; level 1 keeps writing in the milliseconds.
/// Writes are atomic (temporary file + rename); a file that does not parse is deleted and
/// treated as a miss; past `limit` bytes the least recently used entries go (a hit touches its
/// file). Keyed by content, so a video renamed or copied keeps its previews, and a video
/// replaced under the same name does not show stale ones.
///
/// Every method blocks on the file system: the async ones run on a thread of their own.
public struct PreviewCache: Sendable {
  public let directory: URL
  public let limit: Int

  static let magic = Array("MAGIPRV1".utf8)

  public init(directory: URL, limit: Int = 200 << 20) {
    self.directory = directory
    self.limit = limit
  }

  /// The cached keyframes, or nil (a miss, a damaged entry, no usable key).
  public func frames(sha256: String, box: PixelSize, count: Int) async -> [TimedFrame]? {
    await DedicatedThread.complete(named: "magi-cache") { loadNow(sha256: sha256, box: box, count: count) }
  }

  /// Keeps `frames` under the key; failures are ignored (a cache that cannot write is a miss next time).
  public func store(_ frames: [TimedFrame], sha256: String, box: PixelSize, count: Int) async {
    await DedicatedThread.complete(named: "magi-cache") { storeNow(frames, sha256: sha256, box: box, count: count) }
  }

  /// The keyframes from the cache when there, else decoded by `source` and stored. Without a
  /// hash (a record from before hashing), always decoded.
  public func keyframes(
    of url: URL, sha256: String?, count: Int, fitting box: PixelSize, source: FrameSource
  ) async throws(PreviewError) -> [TimedFrame] {
    if let sha256, let cached = await frames(sha256: sha256, box: box, count: count) {
      // Still refuse a file that has gone: the sheet is of a video the user can open.
      try FrameSource.checkFile(url.path)
      return cached
    }
    let frames = try await source.keyframes(of: url, count: count, fitting: box)
    if let sha256 { await store(frames, sha256: sha256, box: box, count: count) }
    return frames
  }

  // MARK: - Blocking

  func path(sha256: String, box: PixelSize, count: Int) -> String? {
    let hash = sha256.lowercased()
    guard hash.count == 64, hash.allSatisfy(\.isHexDigit) else { return nil }
    return directory.appendingPathComponent("\(hash)-\(box.width)x\(box.height)-\(count).frames").path
  }

  func loadNow(sha256: String, box: PixelSize, count: Int) -> [TimedFrame]? {
    guard let path = path(sha256: sha256, box: box, count: count),
      let data = FileManager.default.contents(atPath: path)
    else { return nil }
    guard let frames = Self.decode([UInt8](data)), frames.count == count else {
      unlink(path)
      return nil
    }
    utimensat(AT_FDCWD, path, nil, 0)  // now: the entry was just used
    return frames
  }

  func storeNow(_ frames: [TimedFrame], sha256: String, box: PixelSize, count: Int) {
    guard let path = path(sha256: sha256, box: box, count: count) else { return }
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    guard (try? AtomicWrite.write(Self.encode(frames), to: path)) != nil else { return }
    evict()
  }

  /// Deletes the least recently used entries until the directory holds at most `limit` bytes.
  func evict() {
    let keys: [URLResourceKey] = [.contentModificationDateKey, .fileSizeKey]
    guard
      let entries = try? FileManager.default.contentsOfDirectory(
        at: directory, includingPropertiesForKeys: keys, options: [.skipsHiddenFiles])
    else { return }
    var files = entries.compactMap { url -> (url: URL, date: Date, size: Int)? in
      guard url.pathExtension == "frames", let values = try? url.resourceValues(forKeys: Set(keys)) else { return nil }
      return (url, values.contentModificationDate ?? .distantPast, values.fileSize ?? 0)
    }
    var total = files.reduce(0) { $0 + $1.size }
    guard total > limit else { return }
    files.sort { $0.date < $1.date }
    for file in files where total > limit {
      if unlink(file.url.path) == 0 { total -= file.size }
    }
  }

  // MARK: - Format

  static func encode(_ frames: [TimedFrame]) -> [UInt8] {
    var bytes = magic
    bytes.appendLittleEndian(UInt64(frames.count))
    var pixels: [UInt8] = []
    for frame in frames {
      bytes.appendLittleEndian(frame.time.bitPattern)
      bytes.appendLittleEndian(UInt64(frame.image.width))
      bytes.appendLittleEndian(UInt64(frame.image.height))
      pixels += frame.image.pixels
    }
    bytes.appendLittleEndian(UInt64(pixels.count))
    return bytes + Deflate.compress(pixels, level: 1)
  }

  /// The frames in `bytes`; nil for anything that is not a whole, consistent entry.
  static func decode(_ bytes: [UInt8]) -> [TimedFrame]? {
    var reader = ByteReader(bytes: bytes)
    guard reader.take(magic.count) == magic[...], let count = reader.word(), count > 0, count <= 1024 else {
      return nil
    }
    var headers: [(time: Double, width: Int, height: Int)] = []
    var total = 0
    for _ in 0..<count {
      guard let time = reader.word(), let width = reader.word(), let height = reader.word(),
        width > 0, height > 0, width <= 1 << 14, height <= 1 << 14
      else { return nil }
      headers.append((Double(bitPattern: time), Int(width), Int(height)))
      total += Int(width * height * 4)
    }
    guard let length = reader.word(), Int(length) == total,
      let pixels = Deflate.decompress(reader.rest, expected: total)
    else { return nil }
    var offset = 0
    return headers.map { header in
      let size = header.width * header.height * 4
      defer { offset += size }
      return TimedFrame(
        time: header.time,
        image: RGBAImage(width: header.width, height: header.height, pixels: Array(pixels[offset..<offset + size])))
    }
  }
}

/// Reads little-endian words off the front of a byte array.
private struct ByteReader {
  let bytes: [UInt8]
  var offset = 0

  mutating func take(_ count: Int) -> ArraySlice<UInt8>? {
    guard offset + count <= bytes.count else { return nil }
    defer { offset += count }
    return bytes[offset..<offset + count]
  }

  mutating func word() -> UInt64? {
    guard let slice = take(8) else { return nil }
    return slice.reversed().reduce(0) { $0 << 8 | UInt64($1) }
  }

  var rest: ArraySlice<UInt8> { bytes[offset...] }
}

extension [UInt8] {
  mutating func appendLittleEndian(_ value: UInt64) {
    for shift in stride(from: 0, to: 64, by: 8) { append(UInt8(value >> UInt64(shift) & 0xFF)) }
  }
}
