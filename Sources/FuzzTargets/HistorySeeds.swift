// Debug builds only: these targets reach internal parsers through @testable imports, which a
// release build (compiled without testing) does not allow.
#if DEBUG
  import FalProtocol
  import Foundation

  @testable import HistoryStore

  /// History inputs made by code: well-formed lines from this build's encoder, an index snapshot
  /// in the current format, and the reproductions of issue 10 built on them.
  enum HistorySeeds {
    static let created = Date(timeIntervalSince1970: 1_785_000_000.125)

    static func records() -> [GenerationRecord] {
      var finished = GenerationRecord(
        id: "gen-2", createdAt: created.addingTimeInterval(60), status: .completed, mode: .imageToVideo, model: .full,
        prompt: "a \"quoted\" prompt — ünïcödé 🎬\n",
        input: ["prompt": "p", "image_url": "https://v3.fal.media/files/a.png"],
        requestID: "req-2")
      finished.billing = GenerationRecord.Billing(units: 4, pricePerUnit: 0.08)
      finished.logs = [LogEntry(message: "Step 1/16", timestamp: "2026-07-25T10:00:00Z")]
      return [
        GenerationRecord(id: "gen-1", createdAt: created, status: .queued, mode: .textToVideo, input: ["prompt": "p"]),
        finished,
      ]
    }

    static func lines() -> [UInt8] {
      let encoder = HistoryLine.encoder()
      var bytes: [UInt8] = []
      for record in records() {
        bytes += (try? HistoryLine.encode(record, with: encoder)) ?? []
        bytes.append(0x0A)
      }
      bytes += HistoryLine.tombstone(id: "gen-0", at: created)
      bytes.append(0x0A)
      return bytes
    }

    static func lineSeeds() -> [(name: String, bytes: [UInt8])] {
      let valid = lines()
      let first = Array(valid.split(separator: 0x0A, omittingEmptySubsequences: false)[0])
      return [
        ("valid", valid),
        // Issue 10 item 8: a damaged line after a record's valid snapshot, and invalid UTF-8 in a prompt.
        ("torn-after-valid", valid + Array(first.prefix(first.count / 2)) + [0x0A]),
        (
          "invalid-utf8",
          valid + Array(#"{"v":1,"id":"gen-1","prompt":"\#u{FF}\#u{FE}"}"#.utf8).map { $0 == 0xC3 ? 0xFF : $0 } + [0x0A]
        ),
        // Issue 10 items 4 and 12: a year past 9999 and creation times at the ends of Int64.
        (
          "far-dates",
          Array(String(decoding: first, as: UTF8.self).replacingOccurrences(of: "2026", with: "99999").utf8) + [0x0A]
        ),
        ("endless-line", [UInt8](repeating: UInt8(ascii: "a"), count: 4 << 20)),
      ]
    }

    /// A history with its snapshot after it (split at `MAGIIDX1` by the harness), and the same with
    /// the first entry's creation time set to Int64.min (issue 10 item 4).
    static func indexSeeds() async -> [(name: String, bytes: [UInt8])] {
      guard let directory = HistoryHarness.makeDirectory() else { return [] }
      defer { try? FileManager.default.removeItem(atPath: directory) }
      do {
        let store = try await HistoryStore(
          directory: directory, autoCompactMinimumBytes: Int.max, snapshotMinimumBytes: 1)
        try await store.save(contentsOf: records())
        try await store.flush()
        await store.saveIndexSnapshot()
      } catch {
        return []
      }
      guard let history = FileManager.default.contents(atPath: directory + "/history.jsonl"),
        let snapshot = FileManager.default.contents(atPath: directory + "/history.index")
      else { return [] }
      // What ties the snapshot to this temporary file (device, inode, hashes, the file's stamp, the
      // header checksum) is zeroed, so the seed is the same in every process; the harness signs it
      // again for the file it writes.
      let header = HistoryIndexSnapshot.headerSize
      var index = [UInt8](snapshot)
      typealias Header = HistoryIndexSnapshot.Header
      for word in [Header.device, Header.inode, Header.bodyHash]
        + Array(Header.prefixHash..<HistoryIndexSnapshot.headerWords) where index.count >= header
      {
        index.replaceSubrange((word * 8)..<(word * 8 + 8), with: [UInt8](repeating: 0, count: 8))
      }
      var seeds: [(name: String, bytes: [UInt8])] = [("history-and-index", [UInt8](history) + index)]
      // The entries follow the header; the first creation time in them is this one.
      let milliseconds = Int64((created.timeIntervalSince1970 * 1000).rounded())
      let needle = withUnsafeBytes(of: milliseconds.littleEndian) { Array($0) }
      var damaged = index
      if let at = HistoryHarness.firstIndex(of: needle, in: Array(damaged.dropFirst(header))) {
        withUnsafeBytes(of: Int64.min.littleEndian) {
          damaged.replaceSubrange((header + at)..<(header + at + 8), with: $0)
        }
        seeds.append(("index-created-int64-min", [UInt8](history) + damaged))
      }
      seeds.append(("history-only", [UInt8](history)))
      return seeds
    }
  }
#endif
