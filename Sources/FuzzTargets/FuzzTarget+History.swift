// Debug builds only: these targets reach internal parsers through @testable imports, which a
// release build (compiled without testing) does not allow.
#if DEBUG
  import FalProtocol
  import Foundation

  @testable import HistoryStore

  #if canImport(Glibc)
    import Glibc
  #endif

  extension FuzzTarget {
    static let historyDictionary = [
      #"{"v":1,"id":""#, #"","created":""#, #"","updated":""#, #"","status":"completed""#, #","mode":"text-to-video""#,
      #","model":"distilled""#, #","prompt":""#, #","deleted":""#, #","awaiting_video":true"#, #","billing":{"units":"#,
      "\"2026-07-25T10:00:00.000Z\"", "\"99999-01-01T00:00:00Z\"", "\\u0000", "\\ud800", "\\\"", "\n", "}\n",
    ]

    /// `history.jsonl` bytes through the scanner an open uses: lines found, heads read on the fast
    /// path, every line also decoded in full (the slow path).
    public static let historyLine = FuzzTarget(
      name: "history-line",
      summary: "HistoryScanner.parse (fast head scan) and HistoryLine.decodeFully on every line of a history.jsonl",
      dictionary: historyDictionary,
      generatedSeeds: { HistorySeeds.lineSeeds() },
      run: { bytes in
        _ = bytes.withUnsafeBytes { HistoryScanner.parse($0, base: 0, ways: 1) }
        let decoder = HistoryLine.decoder()
        for line in bytes.split(separator: 0x0A) {
          line.withUnsafeBytes { raw in
            _ = HistoryLine.scanHead(raw)
            _ = HistoryLine.decodeFully(raw, with: decoder)
          }
        }
      })

    /// A history directory as `history` and the studio open it: `history.jsonl` and, from the bytes
    /// `MAGIIDX1` on, `history.index`. The index's header is re-signed for the file just written
    /// (device, inode, window checksum, header checksum) so mutations reach its entries. Then the
    /// store is listed, every record read and formatted, and everything exported.
    public static let historyIndex = FuzzTarget(
      name: "history-index",
      summary: "HistoryStore open of a history.jsonl + history.index pair (index re-signed), list, show, export",
      dictionary: historyDictionary + ["MAGIIDX1"],
      generatedSeeds: { await HistorySeeds.indexSeeds() },
      run: { bytes in await HistoryHarness.open(bytes) })
  }

  extension FuzzTarget {
    /// Whether a history-index input opens from its (re-signed) index rather than a full scan: the
    /// check that the harness signs everything the store verifies, without which every mutation
    /// would stop at a checksum and the entry checks behind it would go untested.
    public static func historyIndexOpensFromSnapshot(_ bytes: [UInt8]) async -> Bool {
      guard let directory = HistoryHarness.makeDirectory() else { return false }
      defer { try? FileManager.default.removeItem(atPath: directory) }
      guard let store = await HistoryHarness.store(bytes, in: directory) else { return false }
      return await store.openedFromSnapshot
    }
  }

  /// Writes a fuzzed history directory and reads it back through the public store.
  enum HistoryHarness {
    static let magic = Array("MAGIIDX1".utf8)

    /// The store opened over `bytes` written into `directory` as a history and its index.
    static func store(_ bytes: [UInt8], in directory: String) async -> HistoryStore? {
      let split = firstIndex(of: magic, in: bytes) ?? bytes.endIndex
      let history = Array(bytes[..<split])
      var index = Array(bytes[split...])
      guard write(history, to: directory + "/history.jsonl") else { return nil }
      if !index.isEmpty {
        resign(&index, history: history, path: directory + "/history.jsonl")
        guard write(index, to: directory + "/history.index") else { return nil }
      }
      return try? await HistoryStore(
        directory: directory, autoCompactMinimumBytes: Int.max, snapshotMinimumBytes: Int.max)
    }

    static func open(_ bytes: [UInt8]) async {
      guard let directory = makeDirectory() else { return }
      defer { try? FileManager.default.removeItem(atPath: directory) }
      guard let store = await store(bytes, in: directory) else { return }
      let page = await store.query()
      for summary in page.summaries.prefix(64) {
        FormatHarness.format(summary.createdAt)
        if let record = try? await store.record(id: summary.id) { FormatHarness.format(record) }
      }
      let null = Glibc.open("/dev/null", O_WRONLY | O_CLOEXEC)
      if null >= 0 {
        _ = try? await store.export(toFileDescriptor: null)
        close(null)
      }
    }

    /// Re-signs what ties a snapshot to its history and what guards its own bytes (header words:
    /// device, inode, window checksum, body hash, prefix hash, file stamp, header checksum), leaving every other byte as mutated: otherwise nearly every mutation would stop
    /// at the checksums and the entry checks behind them would never be reached.
    static func resign(_ index: inout [UInt8], history: [UInt8], path: String) {
      typealias Snapshot = HistoryIndexSnapshot
      typealias Header = Snapshot.Header
      guard index.count >= Snapshot.headerSize, index.starts(with: magic),
        let file = try? HistoryFile(opening: path, O_RDONLY), let info = try? file.status()
      else { return }
      var words = index.withUnsafeBytes { raw in
        (0..<Snapshot.headerWords).map {
          UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))
        }
      }
      words[Header.device] = UInt64(info.st_dev)
      words[Header.inode] = UInt64(info.st_ino)
      let offset = Int64(bitPattern: words[Header.scannedOffset])
      if offset >= 0, offset <= Int64(history.count) {
        if let window = Snapshot.checksum(file, before: offset) { words[Header.window] = window }
        if let prefix = Snapshot.prefixHash(file, upTo: offset) { words[Header.prefixHash] = prefix }
      }
      words[Header.bodyHash] = index[Snapshot.headerSize...].withUnsafeBytes { ContentHash.hash($0) }
      Snapshot.FileStamp(info).store(in: &words)
      words[Header.checksum] = Snapshot.headerChecksum(words)
      index.replaceSubrange(0..<Snapshot.headerSize, with: Snapshot.encodeHeader(words))
    }

    static func firstIndex(of needle: [UInt8], in bytes: [UInt8]) -> Int? {
      guard bytes.count >= needle.count else { return nil }
      for start in 0...(bytes.count - needle.count) where bytes[start] == needle[0] {
        if bytes[start..<(start + needle.count)].elementsEqual(needle) { return start }
      }
      return nil
    }

    static func makeDirectory() -> String? {
      var template = Array((NSTemporaryDirectory() + "/magi-fuzz-history-XXXXXX").utf8CString)
      return template.withUnsafeMutableBufferPointer { buffer in
        guard let base = buffer.baseAddress, mkdtemp(base) != nil else { return nil }
        return String(cString: base)
      }
    }

    static func write(_ bytes: [UInt8], to path: String) -> Bool {
      do {
        let file = try HistoryFile(opening: path, O_WRONLY | O_CREAT | O_TRUNC)
        try file.write(bytes)
        return true
      } catch {
        return false
      }
    }
  }
#endif
