#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
  import Glibc
#endif

/// The index of a large history saved beside it (`history.index`), so that an open reads the index's
/// own bytes plus the lines appended since, instead of parsing every line again.
///
/// It is a cache and is never trusted further than it is checked: it names the file it was made
/// from (device and inode, which change with every compaction), how many of its bytes it covers,
/// a checksum of the last 64 KiB of those bytes and a hash of all of them, and the file's size and
/// modification and change times when it was written. When those times and size still hold, the
/// file is untouched since (the change time cannot be set back by hand); otherwise (lines appended
/// since, or an edit in place that kept the size) the whole covered part is hashed again before the
/// snapshot is used. Its own body carries a hash too, so a flipped bit in an id or a prompt is
/// caught before anything is listed, and every entry's fields are checked to be in range. A
/// snapshot written by a build whose entries are laid out differently is recognised by a fingerprint
/// and not read. Everything else (a damaged, stale or foreign file) means a full scan, never a
/// failed open or a wrong answer.
///
/// The layout is the machine's own: a header of 24 native 64-bit words, then the entries' raw bytes,
/// the id and prompt bytes, and the creation order (as `Int`s). Raw entry bytes are only possible
/// because an entry is a plain value (`_isPOD`); were it ever to hold a reference, no snapshot is
/// written or read.
struct HistoryIndexSnapshot {
  /// What the snapshot says about the history file it describes.
  struct Coverage: Equatable {
    var device: UInt64
    var inode: UInt64
    /// Bytes of the file whose lines the snapshot holds (complete lines only).
    var scannedOffset: Int64
    var scannedLines: Int
    var futureLines: Int
  }

  enum Outcome {
    /// `rehashed`: the history had changed since the stamp, and its covered part was hashed again.
    case loaded(HistoryIndex, Coverage, rehashed: Bool)
    /// No snapshot at all.
    case missing
    /// Written by a build with another entry layout: left alone, that build may still read it.
    case foreign
    /// For another file, for content that changed, or damaged: of no use to anyone.
    case unusable
  }

  /// "MAGIIDX1" read as a little-endian word.
  static let magic: UInt64 = 0x3158_4449_4947_414D
  static let formatVersion: UInt64 = 2
  static let headerWords = 24
  static let headerSize = headerWords * MemoryLayout<UInt64>.size
  /// How much of the history before `scannedOffset` the checksum covers: enough to notice a file
  /// rewritten with other content, little enough to read in well under a millisecond.
  static let windowSize: Int64 = 64 << 10

  /// False if entries cannot be copied as raw bytes; then snapshots are neither written nor read.
  static var isSupported: Bool { _isPOD(HistoryIndex.Entry.self) }

  static let fingerprint: UInt64 = fnv1a(Array(HistoryIndex.Entry.layoutDescription.utf8))

  // MARK: Reading

  /// The coverage a snapshot at `path` claims, if its header is whole and from this build: enough to
  /// know whether writing a new one is worth it.
  static func coverage(at path: String) -> Coverage? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    guard let words = header(fd), words[1] == formatVersion, words[2] == fingerprint else { return nil }
    return decodeCoverage(words)
  }

  /// Reads the snapshot at `path` if it describes the open history `history` (of `device`, `inode`)
  /// as it is now.
  static func load(from path: String, history: Int32, device: UInt64, inode: UInt64) -> Outcome {
    guard isSupported else { return .foreign }
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return errno == ENOENT ? .missing : .unusable }
    defer { close(fd) }
    guard let words = header(fd), words[0] == magic else { return .unusable }
    guard words[1] == formatVersion, words[2] == fingerprint else { return .foreign }
    let coverage = decodeCoverage(words)
    guard coverage.device == device, coverage.inode == inode, coverage.scannedOffset >= 0,
      coverage.scannedLines >= 0, coverage.futureLines >= 0
    else { return .unusable }
    var info = stat()
    guard fstat(history, &info) == 0, Int64(info.st_size) >= coverage.scannedOffset,
      checksum(history, before: coverage.scannedOffset) == words[8]
    else { return .unusable }
    // Untouched since the save, or else the covered part hashes as it did then.
    let rehashed = FileStamp(info) != FileStamp(words: words)
    if rehashed {
      guard prefixHash(history, upTo: coverage.scannedOffset) == words[16] else { return .unusable }
    }

    // Sizes are checked against the file before anything is allocated from them.
    let stride = MemoryLayout<HistoryIndex.Entry>.stride
    guard fstat(fd, &info) == 0, words[9] <= UInt64(Int32.max), words[10] <= UInt64(UInt32.max),
      words[11] == UInt64.max || words[11] <= words[9]
    else { return .unusable }
    let entryCount = Int(words[9])
    let byteCount = Int(words[10])
    let orderCount = words[11] == UInt64.max ? nil : Int(words[11])
    let expectedSize = headerSize + entryCount * stride + byteCount + (orderCount ?? 0) * MemoryLayout<Int>.stride
    guard Int64(info.st_size) == Int64(expectedSize) else { return .unusable }

    var position = Int64(headerSize)
    var body = ContentHash()
    var live = 0
    var removed = 0
    var liveBytes: Int64 = 0
    let entries = [HistoryIndex.Entry](unsafeUninitializedCapacity: entryCount) { buffer, initialized in
      initialized = 0
      let raw = UnsafeMutableRawBufferPointer(buffer)
      guard readFully(fd, into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<(entryCount * stride)]), at: position),
        let base = raw.baseAddress
      else { return }
      body.update(UnsafeRawBufferPointer(rebasing: raw[0..<(entryCount * stride)]))
      for slot in 0..<entryCount {
        let address = base + slot * stride
        guard HistoryIndex.Entry.isValidSnapshot(address) else { return }
        let entry = address.load(as: HistoryIndex.Entry.self)
        // The line and its newline lie inside the covered bytes (written so as not to overflow).
        guard entry.id.range.upperBound <= byteCount, entry.prompt.range.upperBound <= byteCount, entry.offset >= 0,
          entry.offset < coverage.scannedOffset, Int64(entry.length) < coverage.scannedOffset - entry.offset,
          entry.id.count > 0, Timestamp.representable.contains(entry.fields.created),
          Timestamp.representable.contains(entry.fields.updated)
        else { return }
        if entry.removed {
          removed += 1
        } else {
          live += 1
          liveBytes += Int64(entry.length + 1)
        }
      }
      initialized = entryCount
    }
    guard entries.count == entryCount else { return .unusable }
    position += Int64(entryCount * stride)

    let bytes = [UInt8](unsafeUninitializedCapacity: byteCount) { buffer, initialized in
      initialized = readFully(fd, into: UnsafeMutableRawBufferPointer(buffer), at: position) ? byteCount : 0
      if initialized == byteCount { body.update(UnsafeRawBufferPointer(buffer)) }
    }
    guard bytes.count == byteCount else { return .unusable }
    position += Int64(byteCount)

    var order: [Int]?
    if let orderCount {
      let slots = [Int](unsafeUninitializedCapacity: orderCount) { buffer, initialized in
        initialized = 0
        guard readFully(fd, into: UnsafeMutableRawBufferPointer(buffer), at: position),
          buffer.allSatisfy({ $0 >= 0 && $0 < entryCount })
        else { return }
        body.update(UnsafeRawBufferPointer(buffer))
        initialized = orderCount
      }
      guard slots.count == orderCount else { return .unusable }
      order = slots
    }

    guard UInt64(live) == words[12], UInt64(removed) == words[13], liveBytes == Int64(bitPattern: words[14]),
      body.finalize() == words[15]
    else {
      return .unusable
    }
    let storage = HistoryIndex.Storage(
      entries: entries, bytes: bytes, order: order, removedCount: removed, count: live, liveBytes: liveBytes)
    return .loaded(HistoryIndex(restoring: storage), coverage, rehashed: rehashed)
  }

  // MARK: Writing

  /// Writes `storage` as the snapshot of the history open as `history`, to `path` + ".tmp" renamed
  /// over `path`, so that a reader sees the old snapshot or the new one, whole. Not `fsync`ed: a
  /// snapshot torn by a crash fails its size check and costs one full scan.
  static func save(
    _ storage: HistoryIndex.Storage, coverage: Coverage, history: Int32, to path: String, racySeconds: Int64 = 1
  ) throws(HistoryStoreError) {
    guard isSupported else { return }
    var info = stat()
    guard let window = checksum(history, before: coverage.scannedOffset),
      let prefix = prefixHash(history, upTo: coverage.scannedOffset), fstat(history, &info) == 0
    else {
      throw HistoryStoreError(.read, path: path, reason: "cannot read the history to checksum it")
    }
    var body = ContentHash()
    storage.entries.withUnsafeBytes { body.update($0) }
    storage.bytes.withUnsafeBytes { body.update($0) }
    storage.order?.withUnsafeBytes { body.update($0) }
    var words = [UInt64](repeating: 0, count: headerWords)
    words[0] = magic
    words[1] = formatVersion
    words[2] = fingerprint
    words[3] = coverage.device
    words[4] = coverage.inode
    words[5] = UInt64(bitPattern: coverage.scannedOffset)
    words[6] = UInt64(coverage.scannedLines)
    words[7] = UInt64(coverage.futureLines)
    words[8] = window
    words[9] = UInt64(storage.entries.count)
    words[10] = UInt64(storage.bytes.count)
    words[11] = storage.order.map { UInt64($0.count) } ?? UInt64.max
    words[12] = UInt64(storage.count)
    words[13] = UInt64(storage.removedCount)
    words[14] = UInt64(bitPattern: storage.liveBytes)
    words[15] = body.finalize()
    words[16] = prefix
    FileStamp.recording(info, racySeconds: racySeconds).store(in: &words)
    words[headerWords - 1] = headerChecksum(words)

    let temporary = path + ".tmp"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw HistoryStoreError(.write, path: temporary, code: errno) }
    var failure: Int32?
    failure = failure ?? words.withUnsafeBytes { writeAll(fd, $0) }
    failure = failure ?? storage.entries.withUnsafeBytes { writeAll(fd, $0) }
    failure = failure ?? storage.bytes.withUnsafeBytes { writeAll(fd, $0) }
    if let order = storage.order { failure = failure ?? order.withUnsafeBytes { writeAll(fd, $0) } }
    close(fd)
    if failure == nil, rename(temporary, path) != 0 { failure = errno }
    if let failure {
      unlink(temporary)
      throw HistoryStoreError(.write, path: path, code: failure)
    }
  }

  /// Records the history's current size and times in the snapshot's header, after its covered
  /// part was hashed and found unchanged (lines were appended since, by this or another process):
  /// the next open can then trust the stamp instead of hashing hundreds of megabytes again.
  ///
  /// The caller holds the history's lock, so nothing writes to the history meanwhile. Only the
  /// header is rewritten, in place, and only if it still says what was verified; a reader that
  /// catches it half-written sees a bad header checksum, which costs it one full parse, never a
  /// wrong answer.
  static func restamp(at path: String, history: Int32, verified coverage: Coverage, racySeconds: Int64 = 1) {
    var info = stat()
    guard fstat(history, &info) == 0 else { return }
    let fd = open(path, O_RDWR | O_CLOEXEC)
    guard fd >= 0 else { return }
    defer { close(fd) }
    guard var words = header(fd), words[1] == formatVersion, words[2] == fingerprint,
      decodeCoverage(words) == coverage
    else { return }
    let stamp = FileStamp.recording(info, racySeconds: racySeconds)
    guard stamp != FileStamp(words: words) else { return }
    stamp.store(in: &words)
    words[headerWords - 1] = headerChecksum(words)
    _ = words.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
  }

  // MARK: Parts

  private static func header(_ fd: Int32) -> [UInt64]? {
    let words = [UInt64](unsafeUninitializedCapacity: headerWords) { buffer, initialized in
      initialized = readFully(fd, into: UnsafeMutableRawBufferPointer(buffer), at: 0) ? headerWords : 0
    }
    guard words.count == headerWords, words[headerWords - 1] == headerChecksum(words) else { return nil }
    return words
  }

  private static func decodeCoverage(_ words: [UInt64]) -> Coverage {
    Coverage(
      device: words[3], inode: words[4], scannedOffset: Int64(bitPattern: words[5]),
      scannedLines: Int(truncatingIfNeeded: Int64(bitPattern: words[6])),
      futureLines: Int(truncatingIfNeeded: Int64(bitPattern: words[7])))
  }

  /// Covers every word but the last (where it is kept).
  private static func headerChecksum(_ words: [UInt64]) -> UInt64 {
    words[0..<(headerWords - 1)].withUnsafeBytes { fnv1a($0) }
  }

  /// ``ContentHash`` of the first `offset` bytes of `fd`; nil if unreadable. Read in 1 MiB pieces.
  static func prefixHash(_ fd: Int32, upTo offset: Int64) -> UInt64? {
    var hasher = ContentHash()
    var buffer = [UInt8](repeating: 0, count: Int(min(offset, 1 << 20)))
    var position: Int64 = 0
    while position < offset {
      let count = Int(min(Int64(buffer.count), offset - position))
      let read = buffer.withUnsafeMutableBytes { raw in
        readFully(fd, into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<count]), at: position)
      }
      guard read else { return nil }
      buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
      position += Int64(count)
    }
    return hasher.finalize()
  }

  /// The history file's size and times when a snapshot was written (header words 17–22): while
  /// they hold, nothing has written to the file since.
  struct FileStamp: Equatable {
    var size: UInt64
    var modified: (UInt64, UInt64)
    var changed: (UInt64, UInt64)

    init(_ info: stat) {
      size = UInt64(bitPattern: Int64(info.st_size))
      modified = (UInt64(bitPattern: Int64(info.st_mtim.tv_sec)), UInt64(bitPattern: Int64(info.st_mtim.tv_nsec)))
      changed = (UInt64(bitPattern: Int64(info.st_ctim.tv_sec)), UInt64(bitPattern: Int64(info.st_ctim.tv_nsec)))
    }

    /// No stamp at all: equal to no file's, so the next open hashes.
    private init() {
      size = 0
      modified = (0, 0)
      changed = (0, 0)
    }

    /// The stamp to record for a history in state `info`; none when it was written within the last
    /// `racySeconds`. File times are only as fine as the kernel's clock tick, so a same-size edit
    /// in the same tick as the last write would leave size and times as stamped (git's "racily
    /// clean" entries); a stamp taken a second after the last write has no such twin.
    static func recording(_ info: stat, racySeconds: Int64) -> FileStamp {
      var now = timespec()
      clock_gettime(CLOCK_REALTIME, &now)
      let latest = max(Int64(info.st_mtim.tv_sec), Int64(info.st_ctim.tv_sec))
      return Int64(now.tv_sec) - latest > racySeconds ? FileStamp(info) : FileStamp()
    }

    init(words: [UInt64]) {
      size = words[17]
      modified = (words[18], words[19])
      changed = (words[20], words[21])
    }

    func store(in words: inout [UInt64]) {
      words[17] = size
      (words[18], words[19]) = modified
      (words[20], words[21]) = changed
    }

    static func == (a: Self, b: Self) -> Bool {
      a.size == b.size && a.modified == b.modified && a.changed == b.changed
    }
  }

  /// FNV-1a (64-bit) of the up to ``windowSize`` bytes of `fd` before `offset`; nil if unreadable.
  static func checksum(_ fd: Int32, before offset: Int64) -> UInt64? {
    let start = max(0, offset - windowSize)
    let count = Int(offset - start)
    let window = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
      initialized = readFully(fd, into: UnsafeMutableRawBufferPointer(buffer), at: start) ? count : 0
    }
    guard window.count == count else { return nil }
    return window.withUnsafeBytes { fnv1a($0) }
  }

  static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
    bytes.withUnsafeBytes { fnv1a($0) }
  }

  static func fnv1a(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
      hash ^= UInt64(byte)
      hash &*= 0x0000_0100_0000_01b3
    }
    return hash
  }

  private static func readFully(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) -> Bool {
    guard let base = buffer.baseAddress else { return buffer.isEmpty }
    var done = 0
    while done < buffer.count {
      let count = pread(fd, base + done, buffer.count - done, off_t(offset) + off_t(done))
      if count < 0, errno == EINTR { continue }
      if count <= 0 { return false }
      done += count
    }
    return true
  }

  private static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Int32? {
    guard let base = buffer.baseAddress else { return nil }
    var written = 0
    while written < buffer.count {
      let count = write(fd, base + written, buffer.count - written)
      if count < 0, errno == EINTR { continue }
      if count <= 0 { return count < 0 ? errno : ENOSPC }
      written += count
    }
    return nil
  }
}
