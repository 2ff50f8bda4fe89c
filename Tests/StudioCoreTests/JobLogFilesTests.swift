import FalProtocol
import Foundation
import StudioCore
import Testing

/// The per-record log files: bounded on disk, with one line saying so.
@Suite struct JobLogFilesTests {
  @Test func aLogPastItsCapSaysSoOnceNotOncePerBatch() throws {
    let directory = NSTemporaryDirectory() + "magi-logs-\(UUID().uuidString)"
    let logs = JobLogFiles(directory: directory)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = try #require(logs.path(of: "rec-1"))
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    // A file just under the cap (sparse: no real disk is used).
    #expect(FileManager.default.createFile(atPath: path, contents: nil))
    #expect(truncate(path, off_t(JobLogFiles.maxFileBytes - 1000)) == 0)
    let long = String(repeating: "x", count: 2000)
    for batch in 0..<5 {
      logs.append(
        [LogEntry(message: "\(batch) \(long)", level: "INFO", source: "USER", timestamp: "t\(batch)")], to: "rec-1")
    }
    let handle = try #require(FileHandle(forReadingAtPath: path))
    try handle.seek(toOffset: UInt64(JobLogFiles.maxFileBytes - 1000))
    let tail = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
    #expect(tail.components(separatedBy: "later lines are not kept on disk").count - 1 == 1, "\(tail)")
  }
}
