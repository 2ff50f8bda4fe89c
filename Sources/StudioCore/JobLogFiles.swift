import FalProtocol
import SystemPackage

#if canImport(Glibc)
  import Glibc
#endif
#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Each record's whole log on disk, one JSON Lines file per record (`<data>/logs/<id>.jsonl`).
///
/// Memory holds only bounded tails (the record's last lines, a follow's ``JobLog``, the studio's
/// ``LogBuffer``-sized view); the complete log is here, for diagnosis and so that a resumed follow
/// knows which lines it has already seen. A file is capped at ``maxFileBytes``: a server that
/// logs without end cannot fill the disk either; past the cap one line says the rest was dropped.
public struct JobLogFiles: Sendable {
  public static let maxFileBytes: Int64 = 32 << 20
  /// How much of a file's end ``tail(of:)`` reads: more than enough for ``JobLog/defaultLimit`` lines.
  static let tailBytes = 4 << 20

  public let directory: String

  public init(directory: String) {
    self.directory = directory
  }

  /// The file of `recordID`, or nil for an id that is not a plain file name.
  public func path(of recordID: String) -> String? {
    let plain =
      !recordID.isEmpty && recordID.utf8.count <= 128
      && recordID.unicodeScalars.allSatisfy {
        $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_")
      }
    return plain ? directory + "/" + recordID + ".jsonl" : nil
  }

  /// Appends lines to the record's file; a failure to write loses only this copy (the record keeps
  /// its tail), so it is not an error for the job.
  public func append(_ entries: [LogEntry], to recordID: String) {
    guard !entries.isEmpty, let path = path(of: recordID) else { return }
    mkdir(directory, 0o700)
    let fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
    guard fd >= 0 else { return }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0, Int64(info.st_size) < Self.maxFileBytes else { return }
    let encoder = JSONEncoder()
    var bytes: [UInt8] = []
    for entry in entries {
      guard let line = try? encoder.encode(entry) else { continue }
      bytes += line
      bytes.append(UInt8(ascii: "\n"))
    }
    if Int64(info.st_size) + Int64(bytes.count) >= Self.maxFileBytes {
      // Said once: the batches after the one that reached the cap add nothing.
      if Self.endsWithCapNote(fd, size: Int64(info.st_size)) { return }
      let note = LogEntry(
        message: "[magi-studio] the log passed \(Self.maxFileBytes >> 20) MiB; \(Self.capNote)",
        level: "WARNING", source: "CLIENT", timestamp: entries.last?.timestamp ?? "")
      bytes = ((try? encoder.encode(note)).map(Array.init) ?? []) + [UInt8(ascii: "\n")]
    }
    // Best effort: a batch that cannot be written (a full disk) is dropped.
    _ = try? FileDescriptor(rawValue: fd).writeAll(bytes)
  }

  /// The end of the line that closes a full file.
  static let capNote = "later lines are not kept on disk"

  /// Whether the file's last line is the cap note.
  private static func endsWithCapNote(_ fd: Int32, size: Int64) -> Bool {
    var last = [UInt8](repeating: 0, count: Int(min(size, 256)))
    let count = last.count
    let got = last.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(size - Int64(count))) }
    guard got == count else { return false }
    return String(decoding: last, as: UTF8.self).contains(capNote)
  }

  /// Deletes the record's file, when its record is deleted: the log is part of what the record
  /// holds (a deleted generation leaves no prompt output behind).
  public func remove(_ recordID: String) {
    guard let path = path(of: recordID) else { return }
    unlink(path)
  }

  /// The last `limit` lines of the record's file, or nil when there is none.
  public func tail(of recordID: String, limit: Int = JobLog.defaultLimit) -> [LogEntry]? {
    guard let path = path(of: recordID) else { return nil }
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    let size = lseek(fd, 0, SEEK_END)
    guard size >= 0 else { return nil }
    let start = max(0, Int(size) - Self.tailBytes)
    var bytes = [UInt8](repeating: 0, count: Int(size) - start)
    var filled = 0
    while filled < bytes.count {
      let got = bytes.withUnsafeMutableBytes {
        pread(fd, $0.baseAddress! + filled, $0.count - filled, off_t(start + filled))
      }
      if got <= 0 { break }
      filled += got
    }
    var lines = bytes[..<filled].split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
    // A read that starts mid-file starts mid-line: that first piece is not a line.
    if start > 0, !lines.isEmpty { lines.removeFirst() }
    let decoder = JSONDecoder()
    return lines.suffix(limit).compactMap { try? decoder.decode(LogEntry.self, from: Data($0)) }
  }
}
