import FalProtocol
import Foundation
import Testing

@testable import HistoryStore

@Suite struct HistoryStoreBasicsTests {
  @Test("a record with every field set reads back equal, after a reopen too")
  func roundTripOfAFullRecord() async throws {
    let directory = try TemporaryDirectory()
    let record = fullRecord()
    let store = try await HistoryStore(directory: directory.path)
    try await store.save(record)
    #expect(try await store.record(id: record.id) == record)
    let reopened = try await HistoryStore(directory: directory.path)
    #expect(try await reopened.record(id: record.id) == record)
    #expect(record.logs.count == GenerationRecord.logLimit)
    #expect(record.logs.last?.message == "step 24/25")
    // The line starts with the index fields in their fixed order, for the scanner and for people.
    let line = try #require(try directory.lines().first)
    #expect(line.hasPrefix(#"{"v":1,"id":"full-1","created":"2026-07-25T"#))
    #expect(
      line.contains(#","status":"completed","mode":"extend-video","model":"full","prompt":"the camera \"rises\""#))
    #expect(await reopened.warnings.isEmpty)
  }

  @Test("the last snapshot of an id wins, in memory and after a reopen")
  func lastWriteWins() async throws {
    let directory = try TemporaryDirectory()
    let store = try await HistoryStore(directory: directory.path)
    var record = makeRecord("job")
    try await store.save(record)
    record.transition(to: .running, at: time(5))
    try await store.save(record)
    record.transition(to: .completed, at: time(9))
    try await store.save(record)
    #expect(try await store.record(id: "job")?.status == .completed)
    #expect(await store.count == 1)
    #expect(try directory.lines().count == 3)
    let reopened = try await HistoryStore(directory: directory.path)
    #expect(try await reopened.record(id: "job") == record)
    #expect(await reopened.query().summaries.map(\.status) == [.completed])
  }

  @Test("a delete writes a tombstone that still holds after a reopen")
  func deleteSurvivesReopen() async throws {
    let directory = try TemporaryDirectory()
    let store = try await HistoryStore(directory: directory.path)
    try await store.save(makeRecord("keep"))
    try await store.save(makeRecord("drop"))
    #expect(try await store.delete(id: "drop").found)
    #expect(try await store.delete(id: "never-was").found == false)
    #expect(try await store.record(id: "drop") == nil)
    let reopened = try await HistoryStore(directory: directory.path)
    #expect(try await reopened.record(id: "drop") == nil)
    #expect(await reopened.query().summaries.map(\.id) == ["keep"])
    #expect(try directory.lines().last?.hasPrefix(#"{"v":1,"id":"drop","deleted":"#) == true)
  }

  @Test("queries list newest first by creation time, whatever the order of saving")
  func newestFirst() async throws {
    let directory = try TemporaryDirectory()
    let store = try await HistoryStore(directory: directory.path)
    for (id, created) in [("b", 20.0), ("a", 10.0), ("d", 40.0), ("c", 30.0)] {
      try await store.save(makeRecord(id, created: created))
    }
    #expect(await store.query().summaries.map(\.id) == ["d", "c", "b", "a"])
    // An update that does not change creation time keeps the place.
    var b = makeRecord("b", created: 20)
    b.transition(to: .completed, at: time(100))
    try await store.save(b)
    #expect(await store.query().summaries.map(\.id) == ["d", "c", "b", "a"])
    let reopened = try await HistoryStore(directory: directory.path)
    #expect(await reopened.query().summaries.map(\.id) == ["d", "c", "b", "a"])
  }

  @Test("each filter alone and together: text (case-insensitive), status, mode, date range")
  func filters() async throws {
    let directory = try TemporaryDirectory()
    let store = try await HistoryStore(directory: directory.path)
    try await store.save(
      contentsOf: [
        makeRecord("fox", prompt: "A Red FOX in snow", status: .completed, mode: .textToVideo, created: 1),
        makeRecord("cat", prompt: "a cat on a roof", status: .failed, mode: .imageToVideo, created: 2),
        makeRecord("cafe", prompt: "Café terrace at night", status: .running, mode: .extendVideo, created: 3),
        makeRecord("fox2", prompt: "arctic fox cubs", status: .completed, mode: .imageToVideo, created: 4),
      ])
    func ids(_ query: HistoryQuery) async -> [String] { await store.query(query).summaries.map(\.id) }
    #expect(await ids(HistoryQuery(text: "fox")) == ["fox2", "fox"])
    #expect(await ids(HistoryQuery(text: "  FOX ")) == ["fox2", "fox"])
    #expect(await ids(HistoryQuery(text: "CAFÉ")) == ["cafe"])
    #expect(await ids(HistoryQuery(text: "zebra")) == [])
    #expect(await ids(HistoryQuery(text: "")) == ["fox2", "cafe", "cat", "fox"])
    #expect(await ids(HistoryQuery(statuses: [.completed])) == ["fox2", "fox"])
    #expect(await ids(HistoryQuery(statuses: [.failed, .running])) == ["cafe", "cat"])
    #expect(await ids(HistoryQuery(modes: [.imageToVideo])) == ["fox2", "cat"])
    #expect(await ids(HistoryQuery(createdFrom: time(2), createdBefore: time(4))) == ["cafe", "cat"])
    #expect(await ids(HistoryQuery(createdFrom: time(3))) == ["fox2", "cafe"])
    #expect(await ids(HistoryQuery(createdBefore: time(2))) == ["fox"])
    #expect(await ids(HistoryQuery(text: "fox", statuses: [.completed], modes: [.textToVideo])) == ["fox"])
  }

  @Test("paging: offset and limit cut the newest-first list; the total counts every match")
  func paging() async throws {
    let directory = try TemporaryDirectory()
    let store = try await HistoryStore(directory: directory.path)
    try await store.save(contentsOf: (0..<25).map { makeRecord("r\($0)", created: Double($0)) })
    let first = await store.query(HistoryQuery(offset: 0, limit: 10))
    #expect(first.summaries.map(\.id) == (15..<25).reversed().map { "r\($0)" })
    #expect(first.totalMatches == 25)
    #expect(first.hasMore)
    let last = await store.query(HistoryQuery(offset: 20, limit: 10))
    #expect(last.summaries.map(\.id) == ["r4", "r3", "r2", "r1", "r0"])
    #expect(!last.hasMore)
    #expect(await store.query(HistoryQuery(offset: 30, limit: 10)).summaries.isEmpty)
  }

  @Test("a summary comes from the index and says whether the record is saved")
  func summaryFields() async throws {
    let directory = try TemporaryDirectory()
    let store = try await HistoryStore(directory: directory.path)
    let record = fullRecord()
    try await store.save(record)
    let summary = try #require(await store.query().summaries.first)
    #expect(
      summary
        == HistorySummary(
          id: record.id, createdAt: record.createdAt, updatedAt: record.updatedAt, status: .completed,
          mode: .extendVideo, model: .full, prompt: record.prompt, isSaved: true))
  }

  @Test("two stores on one directory see each other's lines")
  func otherInstancesLinesArePickedUp() async throws {
    let directory = try TemporaryDirectory()
    let first = try await HistoryStore(directory: directory.path)
    let second = try await HistoryStore(directory: directory.path)
    try await first.save(makeRecord("from-first", created: 1))
    try await second.save(makeRecord("from-second", created: 2))
    #expect(await first.query().summaries.map(\.id) == ["from-second", "from-first"])
    #expect(try await second.record(id: "from-first")?.id == "from-first")
    _ = try await second.delete(id: "from-first")
    #expect(await first.query().summaries.map(\.id) == ["from-second"])
  }

  @Test("export streams every matching record as one JSON array, newest first")
  func export() async throws {
    let directory = try TemporaryDirectory()
    let store = try await HistoryStore(directory: directory.path)
    try await store.save(
      contentsOf: (0..<5).map { makeRecord("r\($0)", status: $0 % 2 == 0 ? .completed : .failed, created: Double($0)) })
    try await store.save(fullRecord())
    let out = directory.path + "/export.json"
    #expect(try await store.export(to: out) == 6)
    let decoded = try HistoryLine.decoder().decode(
      [GenerationRecord].self, from: Data(contentsOf: URL(fileURLWithPath: out)))
    #expect(decoded.map(\.id) == ["full-1", "r4", "r3", "r2", "r1", "r0"])
    #expect(decoded.first == fullRecord())
    #expect(try await store.export(to: out, matching: HistoryQuery(statuses: [.failed])) == 2)
    let failed = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [[String: Any]]
    #expect(failed?.compactMap { $0["id"] as? String } == ["r3", "r1"])
    #expect(try await store.export(to: out, matching: HistoryQuery(text: "nothing matches")) == 0)
    #expect(try String(contentsOfFile: out, encoding: .utf8) == "[]\n")
  }

  @Test("deleting with removeVideo removes a video inside the data directory and refuses one outside")
  func deleteRemovesOnlyOwnedVideos() async throws {
    let directory = try TemporaryDirectory()
    let outside = try TemporaryDirectory()
    let store = try await HistoryStore(directory: directory.path)
    try FileManager.default.createDirectory(atPath: directory.path + "/videos", withIntermediateDirectories: true)
    let owned = directory.path + "/videos/a.mp4"
    let foreign = outside.path + "/b.mp4"
    _ = FileManager.default.createFile(atPath: owned, contents: Data("mp4".utf8))
    _ = FileManager.default.createFile(atPath: foreign, contents: Data("mp4".utf8))
    var a = makeRecord("a")
    a.localFile = GenerationRecord.LocalFile(path: owned)
    var b = makeRecord("b")
    b.localFile = GenerationRecord.LocalFile(path: foreign)
    try await store.save(contentsOf: [a, b])
    #expect(try await store.delete(id: "a", removeVideo: true) == HistoryDeletion(found: true, video: .removed))
    #expect(!FileManager.default.fileExists(atPath: owned))
    let refused = try await store.delete(id: "b", removeVideo: true)
    #expect(refused.found)
    #expect(refused.video == .refusedOutsideDataDirectory(foreign))
    #expect(FileManager.default.fileExists(atPath: foreign))
  }

  @Test("finished records whose video is not saved are found from the index, and drop out once it is")
  func awaitingVideoQuery() async throws {
    let directory = try TemporaryDirectory()
    let store = try await HistoryStore(directory: directory.path)
    var saved = makeRecord("saved", status: .completed, created: 1)
    saved.localFile = .init(path: "/videos/saved.mp4", sha256: "00")
    var failed = makeRecord("failed", status: .completed, created: 2)
    failed.failure = .init(type: "download_failed", message: "gone")
    let awaiting = makeRecord("awaiting", status: .completed, created: 3)
    try await store.save(contentsOf: [saved, failed, awaiting, makeRecord("running", status: .running, created: 4)])
    #expect(await store.query(HistoryQuery(awaitingVideo: true)).summaries.map(\.id) == ["awaiting"])
    #expect(try directory.lines().filter { $0.contains(#""awaiting_video":true"#) }.count == 1)
    let reopened = try await HistoryStore(directory: directory.path)
    #expect(await reopened.query(HistoryQuery(awaitingVideo: true)).summaries.map(\.id) == ["awaiting"])
    var done = awaiting
    done.localFile = .init(path: "/videos/awaiting.mp4", sha256: "00")
    try await reopened.save(done)
    #expect(await reopened.query(HistoryQuery(awaitingVideo: true)).summaries.isEmpty)
    #expect(await reopened.query(HistoryQuery(awaitingVideo: false)).totalMatches == 4)
  }

  @Test("the record has no field that could hold a credential: its keys are exactly these")
  func noCredentialFields() throws {
    let encoder = HistoryLine.encoder()
    let object = try #require(try JSONSerialization.jsonObject(with: encoder.encode(fullRecord())) as? [String: Any])
    var keys: Set<String> = []
    func collect(_ value: Any, path: String) {
      if let dictionary = value as? [String: Any] {
        for (key, inner) in dictionary {
          let keyPath = path.isEmpty ? key : path + "." + key
          keys.insert(keyPath)
          // The request body is the user's own input, kept as sent; the store adds nothing to it.
          if keyPath != "input" { collect(inner, path: keyPath) }
        }
      } else if let array = value as? [Any] {
        for inner in array { collect(inner, path: path + "[]") }
      }
    }
    collect(object, path: "")
    let expected: Set<String> = [
      "v", "id", "created", "updated", "status", "mode", "model", "prompt", "endpoint", "input", "source",
      "source.given", "source.uploaded_url", "request_id", "server", "transitions", "transitions[].status",
      "transitions[].at", "progress", "progress.queue_position", "progress.steps_done", "progress.steps_total",
      "logs", "logs[].message", "logs[].level", "logs[].source", "logs[].timestamp", "result",
      "result.video_url", "result.content_type", "result.file_size", "result.seed", "local_file",
      "local_file.path", "local_file.sha256", "billing", "billing.units", "billing.price_per_unit",
      "billing.cost", "parent_id", "error", "error.type", "error.message",
    ]
    #expect(keys == expected)
    #expect(
      !keys.contains { $0.lowercased().contains("key") || $0.lowercased().contains("auth") || $0.contains("header") })
  }

  @Test("timestamps: millisecond UTC text that parses back, including offsets and pre-1970")
  func timestamps() {
    #expect(Timestamp.format(milliseconds: 0) == "1970-01-01T00:00:00.000Z")
    #expect(Timestamp.format(milliseconds: -1) == "1969-12-31T23:59:59.999Z")
    #expect(Timestamp.format(milliseconds: 1_785_000_000_123) == "2026-07-25T17:20:00.123Z")
    for value: Int64 in [0, -1, 1_785_000_000_123, 951_782_400_000, 4_102_444_800_000] {
      #expect(Timestamp.parse(Timestamp.format(milliseconds: value)) == value)
    }
    #expect(Timestamp.parse("2026-07-25T19:20:00+02:00") == 1_785_000_000_000)
    #expect(Timestamp.parse("2026-07-25T17:20:00.123456Z") == 1_785_000_000_123)
    #expect(Timestamp.parse("2026-07-25") == nil)
    #expect(Timestamp.parse("2026-13-25T17:20:00Z") == nil)
    let fields = Timestamp.fields(Date(timeIntervalSince1970: 1_785_000_000.123))
    let parts: [Int] = [
      fields.year, fields.month, fields.day, fields.hour, fields.minute, fields.second, fields.millisecond,
    ]
    #expect(parts == [2026, 7, 25, 17, 20, 0, 123])
    let before1970 = Timestamp.fields(Date(timeIntervalSince1970: -0.001))
    let earlier: [Int] = [before1970.year, before1970.month, before1970.day, before1970.hour, before1970.second]
    #expect(earlier == [1969, 12, 31, 23, 59])
  }
}
