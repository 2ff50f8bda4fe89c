import FalProtocol
import HistoryStore

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
#if canImport(Glibc)
  import Glibc
#endif

/// The history `scripts/bench` starts the studio on: finished records written through
/// ``HistoryStore``'s own append path, so the benchmark reads exactly the lines the studio writes
/// (`history-benchmark write DIR COUNT [--no-videos]`).
///
/// Records are shaped like a studio's after use: ids and request ids as real ones look (24 hex
/// digits, UUIDs), so the index pays for heap-allocated strings; text-to-video and image-to-video in
/// turn; completed, failed and cancelled; completed ones point at a downloaded video (one small file
/// shared by all), or with `videos: false` at none, so that a studio would resume every one of them.
/// The newest record's prompt starts with ``newestMark``, which the harness waits for on screen.
enum SyntheticHistory {
  static let newestMark = "NEWEST-RECORD"
  /// The first record's creation, in milliseconds since 1970; one record a minute after it.
  static let base: Int64 = 1_780_000_000_000
  static let statuses: [GenerationStatus] = [.completed, .completed, .completed, .failed, .cancelled]

  /// Writes `count` records, oldest first, into `directory` (created if missing) in batches of
  /// 5,000 (one write and one fsync each); returns the history file's size in bytes.
  static func write(directory: String, count: Int, videos: Bool) async throws -> Int {
    try FileManager.default.createDirectory(atPath: directory + "/videos", withIntermediateDirectories: true)
    let video = directory + "/videos/bench.mp4"
    try Data([0, 0, 0, 0x18] + Array("ftypmp42".utf8)).write(to: URL(fileURLWithPath: video))
    let store = try await HistoryStore(directory: directory)
    var batch: [GenerationRecord] = []
    batch.reserveCapacity(5_000)
    for number in 0..<count {
      batch.append(record(number, isNewest: number == count - 1, video: videos ? video : nil))
      if batch.count == 5_000 || number == count - 1 {
        try await store.save(contentsOf: batch)
        batch.removeAll(keepingCapacity: true)
      }
    }
    var info = stat()
    guard stat(directory + "/history.jsonl", &info) == 0 else { return 0 }
    return Int(info.st_size)
  }

  static func record(_ number: Int, isNewest: Bool, video: String?) -> GenerationRecord {
    let milliseconds = base + Int64(number) * 60_000
    let created = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    let mode: MagiMode = number % 2 == 0 ? .textToVideo : .imageToVideo
    let status = statuses[number % statuses.count]
    let prompt =
      (isNewest ? newestMark + " " : "")
      + "shot \(number): slow pan of a harbour at dusk, cinematic lighting, 35mm film grain"
    var input: [String: JSONValue] = ["prompt": .string(prompt)]
    if mode == .imageToVideo { input["image_url"] = "https://v3.fal.media/files/a/src.png" }
    let low = UInt64(truncatingIfNeeded: number &* 2_654_435_761) & 0xFFFF_FFFF_FFFF
    let id = hex(UInt64(milliseconds), digits: 12) + hex(low, digits: 12)
    let file = video.map { GenerationRecord.LocalFile(path: $0, sha256: String(repeating: "5e", count: 32)) }
    return GenerationRecord(
      id: id, createdAt: created, status: status, mode: mode, prompt: prompt, input: .object(input),
      requestID: requestID(number), localFile: status == .completed ? file : nil)
  }

  /// A version-4 UUID made from `number` (golden-ratio multiple), as fal's request ids look.
  static func requestID(_ number: Int) -> String {
    let (high, low) = UInt64(number).multipliedFullWidth(by: 0x9E37_79B9_7F4A_7C15)
    let versioned = (high & ~0xF000) | 0x4000
    let variant = (low & ~(0xC000 << 48)) | (0x8000 << 48)
    let digits = hex(versioned, digits: 16) + hex(variant, digits: 16)
    var text = ""
    for (offset, character) in digits.enumerated() {
      if [8, 12, 16, 20].contains(offset) { text.append("-") }
      text.append(character)
    }
    return text
  }

  static func hex(_ value: UInt64, digits: Int) -> String {
    let text = String(value, radix: 16)
    return String(repeating: "0", count: max(0, digits - text.count)) + text
  }
}
