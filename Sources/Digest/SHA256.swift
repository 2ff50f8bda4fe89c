import CNettle

#if canImport(Glibc)
  import Glibc
#endif

/// SHA-256 (FIPS 180-4) by nettle, fed in pieces of any size: the fingerprint of a downloaded
/// video, computed while it streams to disk.
///
/// nettle rather than a hand-written loop: it uses the CPU's SHA extensions where there are any,
/// and GnuTLS, which libcurl loads, is built on it, so a process that downloads pays for no new
/// library; swift-crypto would cost a clean CI build a minute or more for this one function. It is
/// opened on first use (CNettle), not linked, so a process that hashes nothing never loads it.
///
/// A value: a copy is a checkpoint (the state after a resumed download's kept prefix, to start
/// from again when a retry sends the rest once more). nettle's context is a plain 112-byte value,
/// held here as it is.
public struct SHA256: Sendable {
  private var context = cnettle_sha256()
  /// Bytes fed so far.
  public private(set) var count: Int64 = 0

  /// - Throws: `DigestError.libraryUnavailable` when libnettle.so.8 cannot be loaded.
  public init() throws(DigestError) {
    if let failure = cnettle_load() { throw .libraryUnavailable(String(cString: failure)) }
    cnettle_sha256_init(&context)
  }

  /// Feeds `bytes` after those fed before.
  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
    cnettle_sha256_update(&context, base, bytes.count)
    count += Int64(bytes.count)
  }

  public mutating func update(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { update($0) }
  }

  /// The digest of the bytes fed so far, as 64 lowercase hex digits; the value can be fed on.
  public func hexDigest() -> String {
    // nettle's digest starts its context over: it is given a copy.
    var final = context
    var digest = [UInt8](repeating: 0, count: 32)
    cnettle_sha256_digest(&final, &digest)
    let hex = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    text.reserveCapacity(digest.count * 2)
    for byte in digest {
      text.append(hex[Int(byte >> 4)])
      text.append(hex[Int(byte & 0x0F)])
    }
    return String(decoding: text, as: UTF8.self)
  }

  /// Feeds the first `length` bytes of the file at `path` (all of it when nil), read in 1 MiB
  /// pieces. Blocks the calling thread for as long as the reading takes: call it on a thread of
  /// its own, never on Swift's task pool.
  /// - Returns: false when the file cannot be read or holds fewer than `length` bytes (what was
  ///   read is fed all the same).
  public mutating func update(readingFile path: String, length: Int64? = nil) -> Bool {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return false }
    defer { close(descriptor) }
    let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    defer { chunk.deallocate() }
    var remaining = length ?? Int64.max
    while remaining > 0 {
      let got = read(descriptor, chunk.baseAddress, Int(min(Int64(chunk.count), remaining)))
      if got < 0, errno == EINTR { continue }
      if got < 0 { return false }
      if got == 0 { return length == nil }
      update(UnsafeRawBufferPointer(rebasing: chunk[0..<got]))
      remaining -= Int64(got)
    }
    return true
  }

  /// The digest of a whole file, or nil when it cannot be read (or nettle cannot be loaded).
  /// Blocks like ``update(readingFile:length:)``.
  public static func hexDigest(ofFile path: String) -> String? {
    guard var hasher = try? SHA256() else { return nil }
    return hasher.update(readingFile: path) ? hasher.hexDigest() : nil
  }
}
