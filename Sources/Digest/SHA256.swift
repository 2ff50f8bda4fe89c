import CCrypto

#if canImport(Glibc)
  import Glibc
#endif

/// SHA-256 (FIPS 180-4) by libcrypto, fed in pieces of any size: the fingerprint of a downloaded
/// video, computed while it streams to disk.
///
/// libcrypto rather than a hand-written loop: it uses the CPU's SHA extensions where there are any
/// (well over 1 GB/s), and libcurl's OpenSSL flavour loads it anyway, so a process that downloads
/// pays for no new library; swift-crypto would cost a clean CI build a minute or more for this one
/// function. It is opened on first use (CCrypto), not linked, so a process that hashes nothing
/// never loads it.
///
/// A value: a copy is a checkpoint (the state after a resumed download's kept prefix, to start
/// from again when a retry sends the rest once more). Copies share libcrypto's context until one
/// of them is fed (copy on write).
public struct SHA256: @unchecked Sendable {
  // @unchecked Sendable: the context is changed only while uniquely referenced (see `unique()`),
  // so a context two values share is only ever read.
  private var context: Context
  /// Bytes fed so far.
  public private(set) var count: Int64 = 0

  /// - Throws: `DigestError.libraryUnavailable` when libcrypto.so.3 cannot be loaded.
  public init() throws(DigestError) {
    if let failure = ccrypto_load() { throw .libraryUnavailable(String(cString: failure)) }
    context = Context()
  }

  /// Feeds `bytes` after those fed before.
  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
    unique()
    // Fails only when libcrypto cannot allocate, as `Context.init`.
    precondition(ccrypto_sha256_update(context.pointer, base, bytes.count) == 1, "EVP_DigestUpdate failed")
    count += Int64(bytes.count)
  }

  public mutating func update(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { update($0) }
  }

  /// The digest of the bytes fed so far, as 64 lowercase hex digits; the value can be fed on.
  public func hexDigest() -> String {
    let final = context.copy()
    var digest = [UInt8](repeating: 0, count: 32)
    precondition(ccrypto_sha256_final(final.pointer, &digest) == 1, "EVP_DigestFinal_ex failed")
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

  /// The digest of a whole file, or nil when it cannot be read (or libcrypto cannot be loaded).
  /// Blocks like ``update(readingFile:length:)``.
  public static func hexDigest(ofFile path: String) -> String? {
    guard var hasher = try? SHA256() else { return nil }
    return hasher.update(readingFile: path) ? hasher.hexDigest() : nil
  }

  private mutating func unique() {
    if !isKnownUniquelyReferenced(&context) { context = context.copy() }
  }

  /// One libcrypto digest context, freed with its owner.
  /// One libcrypto digest context, freed with its owner. Made only after `ccrypto_load` succeeded.
  private final class Context {
    let pointer: OpaquePointer

    init() {
      // Fails only when libcrypto cannot allocate (SHA-256 is always in the default provider):
      // nothing sensible is left to do then.
      guard let pointer = ccrypto_sha256_new() else { fatalError("EVP_MD_CTX_new failed") }
      self.pointer = pointer
    }

    private init(copying other: Context) {
      guard let pointer = ccrypto_sha256_copy(other.pointer) else { fatalError("EVP_MD_CTX_copy_ex failed") }
      self.pointer = pointer
    }

    func copy() -> Context { Context(copying: self) }

    deinit { ccrypto_sha256_free(pointer) }
  }
}
