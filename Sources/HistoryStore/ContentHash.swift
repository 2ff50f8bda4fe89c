/// A fast non-cryptographic 64-bit hash of a byte stream, for noticing damage and change in the
/// history's files (`history.index`'s body, the history prefix a snapshot covers): not for
/// security, since whoever can write those files can write matching hashes.
///
/// Four independent lanes take 32 bytes per step with one multiply each (the shape of XXH64,
/// not its exact output), so it runs at memory speed rather than FNV-1a's byte a cycle: at 100,000
/// records the index body is 17 MB and the history 65–340 MB. Fed in pieces of any size, it gives
/// the same value as fed at once.
struct ContentHash {
  private static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
  private static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
  private static let prime3: UInt64 = 0x1656_67B1_9E37_79F9
  private static let prime4: UInt64 = 0x85EB_CA77_C2B2_AE63

  private var lane0: UInt64 = 0 &+ prime1 &+ prime2
  private var lane1: UInt64 = prime2
  private var lane2: UInt64 = 0
  private var lane3: UInt64 = 0 &- prime1
  /// Bytes of an incomplete 32-byte block, carried to the next `update`.
  private var carry: [UInt8] = []
  private var length: UInt64 = 0

  init() {}

  static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    var hasher = ContentHash()
    hasher.update(bytes)
    return hasher.finalize()
  }

  @inline(__always) private static func round(_ lane: UInt64, _ input: UInt64) -> UInt64 {
    let mixed = lane &+ input &* prime2
    return ((mixed << 31) | (mixed >> 33)) &* prime1
  }

  mutating func update(_ bytes: UnsafeRawBufferPointer) {
    guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
    length &+= UInt64(bytes.count)
    var position = 0
    if !carry.isEmpty {
      let take = min(32 - carry.count, bytes.count)
      carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<take]))
      position = take
      guard carry.count == 32 else { return }
      carry.withUnsafeBytes { block(UnsafeRawPointer($0.baseAddress!)) }
      carry.removeAll(keepingCapacity: true)
    }
    var (a, b, c, d) = (lane0, lane1, lane2, lane3)
    while position + 32 <= bytes.count {
      let pointer = base + position
      a = Self.round(a, UInt64(littleEndian: pointer.loadUnaligned(as: UInt64.self)))
      b = Self.round(b, UInt64(littleEndian: pointer.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
      c = Self.round(c, UInt64(littleEndian: pointer.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
      d = Self.round(d, UInt64(littleEndian: pointer.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
      position += 32
    }
    (lane0, lane1, lane2, lane3) = (a, b, c, d)
    if position < bytes.count { carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[position...])) }
  }

  private mutating func block(_ pointer: UnsafeRawPointer) {
    lane0 = Self.round(lane0, UInt64(littleEndian: pointer.loadUnaligned(as: UInt64.self)))
    lane1 = Self.round(lane1, UInt64(littleEndian: pointer.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
    lane2 = Self.round(lane2, UInt64(littleEndian: pointer.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
    lane3 = Self.round(lane3, UInt64(littleEndian: pointer.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
  }

  func finalize() -> UInt64 {
    func rotate(_ value: UInt64, _ count: UInt64) -> UInt64 { (value << count) | (value >> (64 - count)) }
    var hash = rotate(lane0, 1) &+ rotate(lane1, 7) &+ rotate(lane2, 12) &+ rotate(lane3, 18)
    for lane in [lane0, lane1, lane2, lane3] {
      hash = (hash ^ Self.round(0, lane)) &* Self.prime1 &+ Self.prime4
    }
    hash &+= length
    // The last 0–31 bytes, one at a time (at most 31 per stream).
    for byte in carry {
      hash ^= UInt64(byte) &* Self.prime3
      hash = rotate(hash, 11) &* Self.prime1
    }
    hash ^= hash >> 33
    hash &*= Self.prime2
    hash ^= hash >> 29
    hash &*= Self.prime3
    hash ^= hash >> 32
    return hash
  }
}
