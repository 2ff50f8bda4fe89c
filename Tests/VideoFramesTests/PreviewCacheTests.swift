import Foundation
import TerminalScreen
import Testing

@testable import VideoFrames

/// The keyframe cache: hits, keys by size and count, damaged entries, the size bound.
@Suite struct PreviewCacheTests {
  let hash = String(repeating: "ab", count: 32)
  let cache: PreviewCache

  init() {
    cache = PreviewCache(
      directory: FileManager.default.temporaryDirectory.appendingPathComponent("preview-cache-\(UUID().uuidString)"))
  }

  static func frames(_ count: Int, width: Int = 4, height: Int = 3) -> [TimedFrame] {
    (0..<count).map { index in
      TimedFrame(
        time: Double(index) / 24,
        image: RGBAImage(
          width: width, height: height, pixels: (0..<width * height * 4).map { UInt8(($0 + index) & 0xFF) }))
    }
  }

  @Test func storedFramesComeBackExactly() async {
    let frames = Self.frames(3)
    await cache.store(frames, sha256: hash, box: PixelSize(width: 40, height: 30), count: 3)
    #expect(await cache.frames(sha256: hash, box: PixelSize(width: 40, height: 30), count: 3) == frames)
  }

  @Test func theKeyIsHashSizeAndCount() async {
    await cache.store(Self.frames(3), sha256: hash, box: PixelSize(width: 40, height: 30), count: 3)
    #expect(await cache.frames(sha256: hash, box: PixelSize(width: 41, height: 30), count: 3) == nil)
    #expect(await cache.frames(sha256: hash, box: PixelSize(width: 40, height: 30), count: 4) == nil)
    #expect(
      await cache.frames(sha256: String(repeating: "cd", count: 32), box: PixelSize(width: 40, height: 30), count: 3)
        == nil)
    // Not a hash: never a file name.
    #expect(cache.path(sha256: "../../etc/passwd", box: PixelSize(width: 1, height: 1), count: 1) == nil)
  }

  @Test func aDamagedEntryIsAMissAndIsReplaced() async throws {
    let box = PixelSize(width: 40, height: 30)
    await cache.store(Self.frames(2), sha256: hash, box: box, count: 2)
    let path = try #require(cache.path(sha256: hash, box: box, count: 2))
    var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    bytes[bytes.count - 5] ^= 0xFF
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    #expect(await cache.frames(sha256: hash, box: box, count: 2) == nil)
    #expect(!FileManager.default.fileExists(atPath: path))
    // Cut short and garbage: misses too.
    for damaged in [Array(PreviewCache.encode(Self.frames(2)).prefix(30)), Array("not a cache entry".utf8)] {
      try Data(damaged).write(to: URL(fileURLWithPath: path))
      #expect(await cache.frames(sha256: hash, box: box, count: 2) == nil)
    }
    await cache.store(Self.frames(2), sha256: hash, box: box, count: 2)
    #expect(await cache.frames(sha256: hash, box: box, count: 2) == Self.frames(2))
  }

  @Test func theOldestEntriesGoPastTheLimit() async throws {
    let small = PreviewCache(directory: cache.directory, limit: 1)
    let noisy = (0..<4).map { seed in
      var generator = SplitMix(seed: UInt64(seed))
      return [
        TimedFrame(
          time: 0, image: RGBAImage(width: 64, height: 64, pixels: (0..<64 * 64 * 4).map { _ in generator.byte() }))
      ]
    }
    let hashes = (0..<4).map { String(repeating: String($0), count: 64) }
    for (frames, hash) in zip(noisy, hashes) {
      await small.store(frames, sha256: hash, box: PixelSize(width: 64, height: 64), count: 1)
    }
    // Each entry alone is past a 1-byte limit: only the newest survives its own store.
    let kept = try FileManager.default.contentsOfDirectory(atPath: cache.directory.path)
    #expect(kept.count <= 1)
    let bounded = PreviewCache(directory: cache.directory, limit: 40_000)
    for (frames, hash) in zip(noisy, hashes) {
      await bounded.store(frames, sha256: hash, box: PixelSize(width: 64, height: 64), count: 1)
    }
    let total = try FileManager.default.contentsOfDirectory(atPath: cache.directory.path).reduce(0) { sum, name in
      let attributes = try FileManager.default.attributesOfItem(
        atPath: cache.directory.appendingPathComponent(name).path)
      return sum + ((attributes[.size] as? Int) ?? 0)
    }
    #expect(total <= 40_000)
    #expect(await bounded.frames(sha256: hashes[3], box: PixelSize(width: 64, height: 64), count: 1) == noisy[3])
    #expect(await bounded.frames(sha256: hashes[0], box: PixelSize(width: 64, height: 64), count: 1) == nil)
  }

  @Test func keyframesDecodeOnceThenComeFromTheCache() async throws {
    let url = try await TestClips.counting()
    let box = PixelSize(width: 32, height: 32)
    let first = try await cache.keyframes(of: url, sha256: hash, count: 4, fitting: box, source: FrameSource())
    // No decoder now: a second decode would fail, so this can only be the cache.
    let none = FrameSource(decoder: "/nonexistent/magi-decode")
    let second = try await cache.keyframes(of: url, sha256: hash, count: 4, fitting: box, source: none)
    #expect(second == first)
    await #expect(throws: PreviewError.decoderMissing) {
      try await cache.keyframes(of: url, sha256: hash, count: 5, fitting: box, source: none)
    }
  }
}

/// Incompressible, reproducible bytes.
struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func byte() -> UInt8 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return UInt8((z ^ (z >> 31)) & 0xFF)
  }
}
