import FalProtocol
import Foundation
import TestSupport
import Testing

@testable import HistoryStore

/// Crashes, concurrent writers, damaged files, full and read-only disks: the history loses nothing
/// that a save acknowledged.
@Suite struct HistoryDurabilityTests {
  @Test("a writer killed with SIGKILL mid-appends loses no acknowledged record")
  func sigkillLosesNothingAcknowledged() async throws {
    let directory = try TemporaryDirectory()
    let child = try torture(["append-loop", directory.path, "k", "1000000"])
    _ = await child.stdout.lines(reaching: 200)
    child.kill()
    // Acknowledgements already in the pipe were given before the kill: they count too.
    let acknowledged = await child.stdout.allLines()
    #expect(await child.exitStatus().status != 0)
    #expect(acknowledged.count >= 200)
    let store = try await HistoryStore(directory: directory.path)
    var missing: [String] = []
    for id in acknowledged where try await store.record(id: id) == nil { missing.append(id) }
    #expect(missing.isEmpty, "acknowledged but lost: \(missing.prefix(10))")
    // A line torn by the kill, if any, is reported and kept aside, never dropped.
    for warning in await store.warnings {
      #expect(warning.keptAside == store.corruptPath)
    }
    // And the next writer starts on a line of its own.
    try await store.save(makeRecord("after-kill"))
    let reopened = try await HistoryStore(directory: directory.path)
    #expect(try await reopened.record(id: "after-kill") != nil)
  }

  @Test("two processes appending at once lose nothing and never interleave lines")
  func twoProcessesAppendConcurrently() async throws {
    let directory = try TemporaryDirectory()
    let first = try torture(["append-loop", directory.path, "one", "500"])
    let second = try torture(["append-loop", directory.path, "two", "500"])
    let acknowledged = await first.stdout.allLines() + second.stdout.allLines()
    #expect(await first.exitStatus().status == 0, "\(first.stderr.text)")
    #expect(await second.exitStatus().status == 0, "\(second.stderr.text)")
    #expect(acknowledged.count == 1000)
    let lines = try directory.lines()
    #expect(lines.count == 1000)
    for line in lines {
      // Each line is one whole JSON object, not two halves.
      #expect(try JSONSerialization.jsonObject(with: Data(line.utf8)) is [String: Any])
    }
    let store = try await HistoryStore(directory: directory.path)
    #expect(await store.count == 1000)
    #expect(await store.warnings.isEmpty)
    #expect(Set(await store.query(HistoryQuery(limit: 2000)).summaries.map(\.id)) == Set(acknowledged))
  }

  @Test("a garbage line and a torn last line are read around, reported, kept aside; the next append starts clean")
  func corruptLinesAreKeptAside() async throws {
    let directory = try TemporaryDirectory()
    let encoder = HistoryLine.encoder()
    let a = String(decoding: try HistoryLine.encode(makeRecord("a", created: 1), with: encoder), as: UTF8.self)
    let b = String(decoding: try HistoryLine.encode(makeRecord("b", created: 2), with: encoder), as: UTF8.self)
    let c = String(decoding: try HistoryLine.encode(makeRecord("c", created: 3), with: encoder), as: UTF8.self)
    let torn = String(c.prefix(c.count / 2))
    try (a + "\n" + "#!garbage \u{1}\u{2} not json\n" + b + "\n" + torn).write(
      toFile: directory.history, atomically: false, encoding: .utf8)

    let store = try await HistoryStore(directory: directory.path)
    #expect(await store.query().summaries.map(\.id) == ["b", "a"])
    let warnings = await store.warnings
    #expect(warnings.map(\.line) == [2, 4])
    #expect(warnings.allSatisfy { $0.keptAside == store.corruptPath })
    let kept = try String(contentsOfFile: store.corruptPath, encoding: .utf8).split(separator: "\n")
    #expect(kept.count == 2)
    #expect(kept.first?.contains("garbage") == true)
    #expect(kept.last?.contains(#""line":4"#) == true)

    try await store.save(makeRecord("d", created: 4))
    let lines = try directory.lines()
    #expect(lines.count == 5)
    #expect(lines[3] == torn)
    #expect(lines[4].hasPrefix(#"{"v":1,"id":"d""#))

    // Reopening reports the same lines again but does not copy them aside twice.
    let reopened = try await HistoryStore(directory: directory.path)
    #expect(await reopened.query().summaries.map(\.id) == ["d", "b", "a"])
    #expect(await reopened.warnings.map(\.line) == [2, 4])
    #expect(try String(contentsOfFile: store.corruptPath, encoding: .utf8).split(separator: "\n").count == 2)
  }

  @Test("a cut line whose head survived does not shadow the older whole snapshot")
  func tornLineWithIntactHeadIsNotIndexed() async throws {
    let directory = try TemporaryDirectory()
    let store = try await HistoryStore(directory: directory.path)
    let first = makeRecord("job", status: .queued)
    try await store.save(first)
    var later = first
    later.transition(to: .completed, at: time(50))
    later.appendLogs([LogEntry(message: "done", timestamp: "t")])
    let line = try HistoryLine.encode(later, with: HistoryLine.encoder())
    let handle = try #require(FileHandle(forWritingAtPath: directory.history))
    handle.seekToEndOfFile()
    handle.write(Data(line.prefix(line.count - 20)) + Data("\n".utf8))
    handle.closeFile()
    let reopened = try await HistoryStore(directory: directory.path)
    #expect(try await reopened.record(id: "job") == first)
    #expect(await reopened.warnings.count == 1)
  }

  /// A record saved twice whose latest line is then damaged in place behind an intact head: a
  /// field value mangled (whole JSON, but not a record), or a byte made invalid UTF-8.
  private func damageLatestLine(_ damage: String, in directory: borrowing TemporaryDirectory) async throws
    -> GenerationRecord
  {
    let store = try await HistoryStore(directory: directory.path)
    let first = makeRecord("job", prompt: "harbour at dusk", status: .queued)
    try await store.save(first)
    try await store.save(makeRecord("other", created: 5))
    var later = first
    later.transition(to: .completed, at: time(50))
    try await store.save(later)
    var bytes = try Data(contentsOf: URL(fileURLWithPath: directory.history))
    let lastLine = try #require(bytes.dropLast().lastIndex(of: 0x0A)) + 1
    switch damage {
    case "mangled":
      let field = try #require(bytes.range(of: Data(#""request_id":"req-job""#.utf8), in: lastLine..<bytes.count))
      bytes.replaceSubrange(field, with: Data(#""request_id":[]"#.utf8))
    default:
      let prompt = try #require(bytes.range(of: Data("720p".utf8), in: lastLine..<bytes.count))
      bytes[prompt.lowerBound] = 0xFF
    }
    try bytes.write(to: URL(fileURLWithPath: directory.history))
    return first
  }

  @Test(
    "a damaged latest line falls back to the record's last valid snapshot, reported and kept aside",
    arguments: ["mangled", "utf8"])
  func damagedLatestLineFallsBack(damage: String) async throws {
    let directory = try TemporaryDirectory()
    let first = try await damageLatestLine(damage, in: directory)
    let reopened = try await HistoryStore(directory: directory.path)
    #expect(try await reopened.record(id: "job") == first)
    #expect(await reopened.query(HistoryQuery()).summaries.first { $0.id == "job" }?.status == .queued)
    #expect(await reopened.warnings.contains { $0.reason == "not a valid history record" })
    #expect(try await reopened.record(id: "other")?.id == "other")
  }

  @Test(
    "export writes valid JSON only: a line that is not JSON gives way to the record's last valid snapshot",
    arguments: ["mangled", "utf8"])
  func exportIsValidJSON(damage: String) async throws {
    let directory = try TemporaryDirectory()
    let first = try await damageLatestLine(damage, in: directory)
    let reopened = try await HistoryStore(directory: directory.path)
    let out = directory.path + "/export.json"
    #expect(try await reopened.export(to: out) == 2)
    let bytes = try Data(contentsOf: URL(fileURLWithPath: out))
    #expect(String(data: bytes, encoding: .utf8) != nil)
    let objects = try #require(try JSONSerialization.jsonObject(with: bytes) as? [[String: Any]])
    #expect(objects.compactMap { $0["id"] as? String } == ["other", "job"])
    if damage == "utf8" {
      // Not JSON at all: the record's last valid snapshot goes out instead.
      let array = try HistoryLine.decoder().decode([GenerationRecord].self, from: bytes)
      #expect(array.last == first)
    }
  }

  @Test(
    "a FIFO, /dev/null or a directory as history.jsonl is refused with a clear error (and the open never blocks)",
    arguments: ["fifo", "null", "directory"])
  func nonRegularHistoryIsRefused(kind: String) async throws {
    let directory = try TemporaryDirectory()
    switch kind {
    case "fifo": #expect(mkfifo(directory.history, 0o600) == 0)
    case "null": try FileManager.default.createSymbolicLink(atPath: directory.history, withDestinationPath: "/dev/null")
    default: #expect(mkdir(directory.history, 0o700) == 0)
    }
    do {
      _ = try await HistoryStore(directory: directory.path)
      Issue.record("a \(kind) was opened as the history")
    } catch {
      let expected = ["fifo": "a FIFO", "null": "a character device", "directory": "a directory"][kind] ?? ""
      #expect(error.description.contains("not a regular file but \(expected)") || kind == "directory", "\(error)")
      #expect(error.description.contains(directory.history))
    }
  }

  @Test("a full disk (RLIMIT_FSIZE) gives a clear error, keeps the record in memory, saves it on the next write")
  func fullDisk() async throws {
    let directory = try TemporaryDirectory()
    let child = try torture(["disk-full", directory.path])
    let output = await child.stdout.allLines()
    #expect(await child.exitStatus().status == 0, "\(output) \(child.stderr.text)")
    let error = try #require(output.first { $0.hasPrefix("error ") })
    #expect(error == "error cannot write history (File too large): \(directory.history)")
    let kept = try #require(output.first { $0.hasPrefix("kept ") })
    #expect(kept.hasSuffix("saved=false unsaved=1"))
    #expect(output.last == "acked after-full unsaved=0")
    let failedID = try #require(kept.split(separator: " ").dropFirst().first.map(String.init))
    let acknowledged = output.filter { $0.hasPrefix("acked ") }.map { String($0.split(separator: " ")[1]) }
    #expect(acknowledged.count > 3)
    // No partial line was left by the failed write.
    let store = try await HistoryStore(directory: directory.path)
    #expect(await store.warnings.isEmpty)
    for id in acknowledged + [failedID] { #expect(try await store.record(id: id) != nil, "\(id)") }
  }

  @Test("a read-only history opens, and a save fails clearly while the record stays in memory")
  func readOnlyDirectory() async throws {
    // Root ignores permission bits, so the child drops to `nobody` (uid 65534) before opening:
    // the directory and files below are then genuinely read-only for it.
    let directory = try TemporaryDirectory()
    let store = try await HistoryStore(directory: directory.path)
    try await store.save(makeRecord("existing"))
    for file in [directory.history, directory.history + ".lock"] { chmod(file, 0o444) }
    chmod(directory.path, 0o555)
    defer { chmod(directory.path, 0o755) }
    let child = try torture(["save-readonly", directory.path, "new"])
    let output = await child.stdout.allLines()
    #expect(await child.exitStatus().status == 0, "\(output) \(child.stderr.text)")
    #expect(output.first == "error cannot write history (Permission denied): \(directory.history)")
    #expect(output.last == "kept new saved=false count=2")
    #expect(try directory.lines().count == 1)
  }
}
