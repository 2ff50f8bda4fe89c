import FalProtocol
import SystemPackage

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
/// caught before anything is listed, and every entry's fields are checked to be in range. Anything
/// else (a damaged, stale or foreign file, or one in an older format) means a full scan, never a
/// failed open or a wrong answer.
///
/// The format is explicit and the same on every machine and build, all numbers little-endian:
///
/// - a header of 24 64-bit words (see ``Header``);
/// - the entries, ``entrySize`` bytes each: created, updated (ms since 1970, `Int64`), the line's
///   offset (`Int64`), its length, the id's and the prompt's start and length in the text
///   (`UInt32` each), then one byte each for the status, mode and model codes and a flags byte
///   (bit 0: awaits its video, bit 1: removed);
/// - the ids' and prompts' text (UTF-8);
/// - the creation order, as `UInt32` entry numbers (absent when the index must sort it again);
/// - the vocabulary: what the codes mean, as the raw values of ``GenerationStatus``, ``MagiMode`` and
///   ``MagiModel`` in code order (`statuses;modes;models`, comma-separated). A build whose enums
///   gained or reordered cases still reads an older snapshot by name; a name it no longer knows
///   makes the snapshot unusable.
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
    /// Written by a newer release in a format this one does not know: left alone, that one may read it.
    case foreign
    /// For another file, for content that changed, damaged, or in an older format: of no use to anyone.
    case unusable
  }

  /// "MAGIIDX1" read as a little-endian word.
  static let magic: UInt64 = 0x3158_4449_4947_414D
  /// 3: the explicit format. 1 and 2 held the build's in-memory entry layout; they are discarded.
  static let formatVersion: UInt64 = 3
  static let headerWords = 24
  static let headerSize = headerWords * 8
  static let entrySize = 48
  /// How much of the history before `scannedOffset` the checksum covers: enough to notice a file
  /// rewritten with other content, little enough to read in well under a millisecond.
  static let windowSize: Int64 = 64 << 10

  /// The header's words by number (the fuzz harness and the tests patch them).
  enum Header {
    static let magic = 0, version = 1, vocabularySize = 2, device = 3, inode = 4, scannedOffset = 5
    static let scannedLines = 6, futureLines = 7, window = 8, entryCount = 9, textSize = 10, orderCount = 11
    static let live = 12, removed = 13, liveBytes = 14, bodyHash = 15, prefixHash = 16
    /// Words 17–22 hold the ``FileStamp``; the last word is the header's own checksum.
    static let checksum = 23
  }

  // MARK: Reading

  /// The coverage a snapshot at `path` claims, if its header is whole and in this format: enough to
  /// know whether writing a new one is worth it.
  static func coverage(at path: String) -> Coverage? {
    guard let file = try? HistoryFile(opening: path, O_RDONLY), let words = header(file),
      words[Header.version] == formatVersion
    else { return nil }
    return decodeCoverage(words)
  }

  /// Reads the snapshot at `path` if it describes the open history `history` (of `device`, `inode`)
  /// as it is now.
  static func load(from path: String, history: borrowing HistoryFile, device: UInt64, inode: UInt64) -> Outcome {
    let file: HistoryFile
    do {
      file = try HistoryFile(opening: path, O_RDONLY)
    } catch {
      return error == .noSuchFileOrDirectory ? .missing : .unusable
    }
    guard let words = header(file), words[Header.magic] == magic else { return .unusable }
    guard words[Header.version] <= formatVersion else { return .foreign }
    guard words[Header.version] == formatVersion else { return .unusable }
    let coverage = decodeCoverage(words)
    guard coverage.device == device, coverage.inode == inode, coverage.scannedOffset >= 0,
      coverage.scannedLines >= 0, coverage.futureLines >= 0
    else { return .unusable }
    guard let info = try? history.status(), Int64(info.st_size) >= coverage.scannedOffset,
      checksum(history, before: coverage.scannedOffset) == words[Header.window]
    else { return .unusable }
    // Untouched since the save, or else the covered part hashes as it did then.
    let rehashed = FileStamp(info) != FileStamp(words: words)
    if rehashed {
      guard prefixHash(history, upTo: coverage.scannedOffset) == words[Header.prefixHash] else { return .unusable }
    }

    // Sizes are checked against the file before anything is allocated from them.
    let counts = (
      entries: words[Header.entryCount], text: words[Header.textSize], order: words[Header.orderCount],
      vocabulary: words[Header.vocabularySize]
    )
    guard let size = try? file.size(), counts.entries <= UInt64(Int32.max), counts.text <= UInt64(UInt32.max),
      counts.order == UInt64.max || counts.order <= counts.entries, counts.vocabulary <= 4096
    else { return .unusable }
    let entryCount = Int(counts.entries)
    let textCount = Int(counts.text)
    let orderCount = counts.order == UInt64.max ? nil : Int(counts.order)
    let vocabularyCount = Int(counts.vocabulary)
    let expectedSize = headerSize + entryCount * entrySize + textCount + (orderCount ?? 0) * 4 + vocabularyCount
    guard size == Int64(expectedSize) else { return .unusable }

    // Section by section, each straight into the array that keeps it (the text is most of the
    // file), all hashed before any of it is believed.
    var hasher = ContentHash()
    var position = Int64(headerSize)
    func section(_ count: Int) -> [UInt8]? {
      guard let bytes = try? file.read(at: position, count: count) else { return nil }
      bytes.withUnsafeBytes { hasher.update($0) }
      position += Int64(count)
      return bytes
    }
    guard let entryBytes = section(entryCount * entrySize), let text = section(textCount),
      let orderBytes = section((orderCount ?? 0) * 4), let vocabularyBytes = section(vocabularyCount),
      hasher.finalize() == words[Header.bodyHash], let vocabulary = Vocabulary(reading: vocabularyBytes)
    else { return .unusable }

    var live = 0
    var removed = 0
    var liveBytes: Int64 = 0
    let entries = entryBytes.withUnsafeBytes { raw in
      [HistoryIndex.Entry](unsafeUninitializedCapacity: entryCount) { buffer, initialized in
        initialized = 0
        for slot in 0..<entryCount {
          guard let entry = decodeEntry(raw, at: slot * entrySize, vocabulary: vocabulary),
            // The line and its newline lie inside the covered bytes (written so as not to overflow).
            entry.id.range.upperBound <= textCount, entry.prompt.range.upperBound <= textCount, entry.offset >= 0,
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
          (buffer.baseAddress! + slot).initialize(to: entry)
          initialized = slot + 1
        }
      }
    }
    guard entries.count == entryCount else { return .unusable }
    var order: [Int]?
    if let orderCount {
      let slots = orderBytes.withUnsafeBytes { raw in
        (0..<orderCount).map { Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
      }
      guard slots.allSatisfy({ $0 < entryCount }) else { return .unusable }
      order = slots
    }
    guard UInt64(live) == words[Header.live], UInt64(removed) == words[Header.removed],
      liveBytes == Int64(bitPattern: words[Header.liveBytes])
    else { return .unusable }
    let storage = HistoryIndex.Storage(
      entries: entries, bytes: text, order: order, removedCount: removed, count: live,
      liveBytes: liveBytes)
    return .loaded(HistoryIndex(restoring: storage), coverage, rehashed: rehashed)
  }

  // MARK: Writing

  /// Writes `storage` as the snapshot of the history open as `history`, to `path` + ".tmp" renamed
  /// over `path`, so that a reader sees the old snapshot or the new one, whole. Not `fsync`ed: a
  /// snapshot torn by a crash fails its size check and costs one full scan.
  static func save(
    _ storage: HistoryIndex.Storage, coverage: Coverage, history: borrowing HistoryFile, to path: String,
    racySeconds: Int64 = 1
  ) throws(HistoryStoreError) {
    guard let window = checksum(history, before: coverage.scannedOffset),
      let prefix = prefixHash(history, upTo: coverage.scannedOffset), let info = try? history.status()
    else {
      throw HistoryStoreError(.read, path: path, reason: "cannot read the history to checksum it")
    }
    let entryBytes = storage.entries.count * entrySize
    let orderCount = storage.order?.count ?? 0
    let vocabulary = Vocabulary.current.bytes
    var body = [UInt8](repeating: 0, count: entryBytes + storage.bytes.count + orderCount * 4 + vocabulary.count)
    body.withUnsafeMutableBytes { raw in
      for (slot, entry) in storage.entries.enumerated() { encodeEntry(entry, into: raw, at: slot * entrySize) }
      var position = entryBytes
      storage.bytes.withUnsafeBytes {
        raw.baseAddress!.advanced(by: position).copyMemory(from: $0.baseAddress!, byteCount: $0.count)
      }
      position += storage.bytes.count
      for slot in storage.order ?? [] {
        raw.storeBytes(of: UInt32(slot).littleEndian, toByteOffset: position, as: UInt32.self)
        position += 4
      }
      vocabulary.withUnsafeBytes {
        raw.baseAddress!.advanced(by: position).copyMemory(from: $0.baseAddress!, byteCount: $0.count)
      }
    }
    var words = [UInt64](repeating: 0, count: headerWords)
    words[Header.magic] = magic
    words[Header.version] = formatVersion
    words[Header.vocabularySize] = UInt64(vocabulary.count)
    words[Header.device] = coverage.device
    words[Header.inode] = coverage.inode
    words[Header.scannedOffset] = UInt64(bitPattern: coverage.scannedOffset)
    words[Header.scannedLines] = UInt64(coverage.scannedLines)
    words[Header.futureLines] = UInt64(coverage.futureLines)
    words[Header.window] = window
    words[Header.entryCount] = UInt64(storage.entries.count)
    words[Header.textSize] = UInt64(storage.bytes.count)
    words[Header.orderCount] = storage.order.map { UInt64($0.count) } ?? UInt64.max
    words[Header.live] = UInt64(storage.count)
    words[Header.removed] = UInt64(storage.removedCount)
    words[Header.liveBytes] = UInt64(bitPattern: storage.liveBytes)
    words[Header.bodyHash] = body.withUnsafeBytes { ContentHash.hash($0) }
    words[Header.prefixHash] = prefix
    FileStamp.recording(info, racySeconds: racySeconds).store(in: &words)
    words[Header.checksum] = headerChecksum(words)

    let temporary = path + ".tmp"
    do throws(Errno) {
      let file = try HistoryFile(opening: temporary, O_WRONLY | O_CREAT | O_TRUNC)
      try file.write(encodeHeader(words))
      try file.write(body)
      guard rename(temporary, path) == 0 else { throw Errno(rawValue: errno) }
    } catch {
      unlink(temporary)
      throw HistoryStoreError(.write, path: path, errno: error)
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
  static func restamp(
    at path: String, history: borrowing HistoryFile, verified coverage: Coverage, racySeconds: Int64 = 1
  ) {
    guard let info = try? history.status(), let file = try? HistoryFile(opening: path, O_RDWR),
      var words = header(file), words[Header.version] == formatVersion, decodeCoverage(words) == coverage
    else { return }
    let stamp = FileStamp.recording(info, racySeconds: racySeconds)
    guard stamp != FileStamp(words: words) else { return }
    stamp.store(in: &words)
    words[Header.checksum] = headerChecksum(words)
    try? file.write(encodeHeader(words), at: 0)
  }

  // MARK: Entries

  /// What the status, mode and model codes of a snapshot's entries mean.
  struct Vocabulary {
    var statuses: [GenerationStatus?]
    var modes: [MagiMode?]
    var models: [MagiModel?]

    /// This build's: codes are the cases' positions.
    static let current = Vocabulary(
      statuses: GenerationStatus.allCases, modes: MagiMode.allCases, models: MagiModel.allCases)

    init(statuses: [GenerationStatus?], modes: [MagiMode?], models: [MagiModel?]) {
      self.statuses = statuses
      self.modes = modes
      self.models = models
    }

    /// A snapshot's vocabulary; nil unless it has its three lists. Names this build does not know
    /// stay as holes: an entry that uses one is refused.
    init?(reading bytes: [UInt8]) {
      let lists = bytes.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false).map {
        $0.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false).map {
          String(decoding: $0, as: UTF8.self)
        }
      }
      guard lists.count == 3, lists.allSatisfy({ $0.count <= 256 }) else { return nil }
      statuses = lists[0].map(GenerationStatus.init(rawValue:))
      modes = lists[1].map(MagiMode.init(rawValue:))
      models = lists[2].map(MagiModel.init(rawValue:))
    }

    var bytes: [UInt8] {
      let lists = [
        statuses.map { $0?.rawValue ?? "" }, modes.map { $0?.rawValue ?? "" }, models.map { $0?.rawValue ?? "" },
      ]
      return Array(lists.map { $0.joined(separator: ",") }.joined(separator: ";").utf8)
    }
  }

  private static func encodeEntry(_ entry: HistoryIndex.Entry, into raw: UnsafeMutableRawBufferPointer, at offset: Int)
  {
    let fields = entry.fields
    raw.storeBytes(of: fields.created.littleEndian, toByteOffset: offset, as: Int64.self)
    raw.storeBytes(of: fields.updated.littleEndian, toByteOffset: offset + 8, as: Int64.self)
    raw.storeBytes(of: entry.offset.littleEndian, toByteOffset: offset + 16, as: Int64.self)
    raw.storeBytes(of: UInt32(entry.length).littleEndian, toByteOffset: offset + 24, as: UInt32.self)
    raw.storeBytes(of: entry.id.start.littleEndian, toByteOffset: offset + 28, as: UInt32.self)
    raw.storeBytes(of: entry.id.count.littleEndian, toByteOffset: offset + 32, as: UInt32.self)
    raw.storeBytes(of: entry.prompt.start.littleEndian, toByteOffset: offset + 36, as: UInt32.self)
    raw.storeBytes(of: entry.prompt.count.littleEndian, toByteOffset: offset + 40, as: UInt32.self)
    raw[offset + 44] = UInt8(GenerationStatus.allCases.firstIndex(of: fields.status)!)
    raw[offset + 45] = UInt8(MagiMode.allCases.firstIndex(of: fields.mode)!)
    raw[offset + 46] = UInt8(MagiModel.allCases.firstIndex(of: fields.model)!)
    raw[offset + 47] = (fields.awaitsVideo ? 1 : 0) | (entry.removed ? 2 : 0)
  }

  /// The entry at `offset`, or nil when a code or a flag is outside what the vocabulary says.
  private static func decodeEntry(_ raw: UnsafeRawBufferPointer, at offset: Int, vocabulary: Vocabulary)
    -> HistoryIndex.Entry?
  {
    func int64(_ at: Int) -> Int64 {
      Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + at, as: Int64.self))
    }
    func uint32(_ at: Int) -> Int {
      Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + at, as: UInt32.self)))
    }
    func code<Case>(_ at: Int, _ cases: [Case?]) -> Case? {
      let code = Int(raw[offset + at])
      return code < cases.count ? cases[code] : nil
    }
    let flags = raw[offset + 47]
    guard flags < 4, let status = code(44, vocabulary.statuses), let mode = code(45, vocabulary.modes),
      let model = code(46, vocabulary.models)
    else { return nil }
    let fields = HistoryLine.Fields(
      created: int64(0), updated: int64(8), status: status, mode: mode, model: model, awaitsVideo: flags & 1 != 0)
    var entry = HistoryIndex.Entry(
      fields: fields, id: HistoryIndex.Span(start: uint32(28), count: uint32(32)),
      prompt: HistoryIndex.Span(start: uint32(36), count: uint32(40)), offset: int64(16), length: uint32(24),
      pending: false)
    entry.removed = flags & 2 != 0
    return entry
  }

  // MARK: Header

  private static func header(_ file: borrowing HistoryFile) -> [UInt64]? {
    guard let bytes = try? file.read(at: 0, count: headerSize) else { return nil }
    let words = bytes.withUnsafeBytes { raw in
      (0..<headerWords).map { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)) }
    }
    guard words[Header.checksum] == headerChecksum(words) else { return nil }
    return words
  }

  static func encodeHeader(_ words: [UInt64]) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(headerSize)
    for word in words { withUnsafeBytes(of: word.littleEndian) { bytes.append(contentsOf: $0) } }
    return bytes
  }

  private static func decodeCoverage(_ words: [UInt64]) -> Coverage {
    Coverage(
      device: words[Header.device], inode: words[Header.inode],
      scannedOffset: Int64(bitPattern: words[Header.scannedOffset]),
      scannedLines: Int(truncatingIfNeeded: Int64(bitPattern: words[Header.scannedLines])),
      futureLines: Int(truncatingIfNeeded: Int64(bitPattern: words[Header.futureLines])))
  }

  /// FNV-1a of the little-endian bytes of every word but the last (where it is kept).
  static func headerChecksum(_ words: [UInt64]) -> UInt64 {
    fnv1a(encodeHeader(Array(words[0..<(headerWords - 1)])))
  }

  /// ``ContentHash`` of the first `offset` bytes of `file`; nil if unreadable. Read in 1 MiB pieces.
  static func prefixHash(_ file: borrowing HistoryFile, upTo offset: Int64) -> UInt64? {
    var hasher = ContentHash()
    var buffer = [UInt8](repeating: 0, count: Int(min(max(offset, 0), 1 << 20)))
    var position: Int64 = 0
    while position < offset {
      let count = Int(min(Int64(buffer.count), offset - position))
      let read = buffer.withUnsafeMutableBytes { raw in
        file.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<count]), at: position)
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

  /// FNV-1a (64-bit) of the up to ``windowSize`` bytes of `file` before `offset`; nil if unreadable.
  static func checksum(_ file: borrowing HistoryFile, before offset: Int64) -> UInt64? {
    let start = max(0, offset - windowSize)
    guard let window = try? file.read(at: start, count: Int(offset - start)) else { return nil }
    return fnv1a(window)
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
}
