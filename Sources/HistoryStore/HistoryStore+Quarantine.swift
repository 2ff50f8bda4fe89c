import HistoryModel
import SystemPackage

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

#if canImport(Glibc)
  import Glibc
#endif

/// Lines that cannot be read are reported once (``HistoryStore/warnings``) and copied, once across
/// processes, to `history.jsonl.corrupt` before being read around.
extension HistoryStore {
  /// Where a bad line was found: the file (device, inode) and the offset in it.
  struct CorruptKey: Hashable, Codable {
    var device: UInt64
    var inode: UInt64
    var offset: Int64
  }

  /// A bad line found but not yet kept aside.
  struct CorruptLine {
    var key: CorruptKey
    var line: Int
    var bytes: [UInt8]
    var reason: String
    var warning: Int
  }

  /// One kept-aside line in `history.jsonl.corrupt` (JSON Lines, like the history).
  private struct KeptLine: Codable {
    var device: UInt64
    var inode: UInt64
    var offset: Int64
    var line: Int?
    var found: String?
    var reason: String?
    /// The line's text when it is valid UTF-8; otherwise `base64` holds its bytes.
    var text: String?
    var base64: String?
  }

  func noteCorrupt(_ bytes: [UInt8], offset: Int64, lineNumber: Int, reason: String) {
    let key = CorruptKey(device: device, inode: inode, offset: offset)
    guard reportedCorrupt.insert(key).inserted else { return }
    warnings.append(HistoryWarning(line: lineNumber, offset: offset, reason: reason, keptAside: nil))
    corruptFound.append(
      CorruptLine(key: key, line: lineNumber, bytes: bytes, reason: reason, warning: warnings.count - 1))
  }

  func keepAside() throws(HistoryStoreError) {
    guard !corruptFound.isEmpty else { return }
    try lock(LOCK_EX)
    defer { unlock() }
    try keepAsideLocked()
  }

  /// Appends the lines found unreadable to `history.jsonl.corrupt`, once each across processes (the
  /// exclusive lock is held; lines already there, by file and offset, are not added again).
  func keepAsideLocked() throws(HistoryStoreError) {
    guard !corruptFound.isEmpty else { return }
    let out: HistoryFile
    do throws(Errno) {
      out = try HistoryFile(opening: corruptPath, O_RDWR | O_APPEND | O_CREAT)
    } catch {
      throw HistoryStoreError(.write, path: corruptPath, errno: error)
    }
    var known: Set<CorruptKey> = []
    if let existing = try? out.readAll() {
      for line in existing.split(separator: 0x0A) {
        if let kept = try? decoder.decode(KeptLine.self, from: Data(line)) {
          known.insert(CorruptKey(device: kept.device, inode: kept.inode, offset: kept.offset))
        }
      }
    }
    let plain = JSONEncoder()
    plain.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    var bytes: [UInt8] = []
    for found in corruptFound where !known.contains(found.key) {
      let text = String(validating: found.bytes, as: UTF8.self)
      let kept = KeptLine(
        device: found.key.device, inode: found.key.inode, offset: found.key.offset, line: found.line,
        found: Timestamp.format(Date()), reason: found.reason, text: text,
        base64: text == nil ? Data(found.bytes).base64EncodedString() : nil)
      guard let encoded = try? plain.encode(kept) else { continue }
      bytes.append(contentsOf: encoded)
      bytes.append(0x0A)
    }
    if !bytes.isEmpty {
      do throws(Errno) {
        try out.write(bytes)
      } catch {
        throw HistoryStoreError(.write, path: corruptPath, errno: error)
      }
      do throws(Errno) {
        try out.sync()
      } catch {
        throw HistoryStoreError(.sync, path: corruptPath, errno: error)
      }
    }
    for found in corruptFound { warnings[found.warning].keptAside = corruptPath }
    corruptFound.removeAll()
  }
}
