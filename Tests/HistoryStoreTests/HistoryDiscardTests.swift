import Foundation
import Testing

@testable import HistoryStore

/// A compare's outcome in the history: the winner starred, the others' videos discarded (the file
/// deleted, the record kept and marked, never fetched again), and both read back by older lines.
@Suite struct HistoryDiscardTests {
  /// A store with `ids` completed, each with its own video file under the store's directory.
  private func store(_ ids: [String], in directory: String) async throws -> HistoryStore {
    let store = try await HistoryStore(directory: directory)
    try FileManager.default.createDirectory(atPath: directory + "/videos", withIntermediateDirectories: true)
    var records: [GenerationRecord] = []
    for (index, id) in ids.enumerated() {
      var record = makeRecord(id, status: .completed, created: Double(index))
      let path = directory + "/videos/\(id).mp4"
      _ = FileManager.default.createFile(atPath: path, contents: Data("mp4".utf8))
      record.localFile = .init(path: path, sha256: "aa")
      records.append(record)
    }
    try await store.save(contentsOf: records)
    return store
  }

  @Test func discardingDeletesTheFileAndKeepsTheRecordMarked() async throws {
    let directory = try TemporaryDirectory()
    let store = try await store(["a", "b"], in: directory.path)
    let discarded = try await store.discardVideo(id: "a")
    #expect(discarded == HistoryDeletion(found: true, video: .removed))
    #expect(!FileManager.default.fileExists(atPath: directory.path + "/videos/a.mp4"))
    #expect(FileManager.default.fileExists(atPath: directory.path + "/videos/b.mp4"))
    // Read back from the file by another store: kept, no file, marked, not awaiting its video.
    let record = try #require(try await HistoryStore(directory: directory.path).record(id: "a"))
    #expect(record.localFile == nil)
    #expect(record.videoDiscardedAt != nil)
    #expect(!record.awaitsVideo)
    #expect(await store.query(HistoryQuery(awaitingVideo: true)).summaries.isEmpty)
    // Again: nothing left to remove.
    #expect(try await store.discardVideo(id: "a") == HistoryDeletion(found: true, video: .missing))
    #expect(try await store.discardVideo(id: "nope") == HistoryDeletion(found: false, video: .kept))
  }

  @Test func aSharedFileStaysForTheOtherRecord() async throws {
    let directory = try TemporaryDirectory()
    let store = try await store(["a", "b"], in: directory.path)
    var b = try #require(try await store.record(id: "b"))
    b.localFile = .init(path: directory.path + "/videos/a.mp4")
    try await store.save(b)
    #expect(try await store.discardVideo(id: "a") == HistoryDeletion(found: true, video: .sharedWith("b")))
    #expect(FileManager.default.fileExists(atPath: directory.path + "/videos/a.mp4"))
    #expect(try await store.record(id: "a")?.localFile == nil, "a lets go of it all the same")
  }

  @Test func aFileOutsideTheDataDirectoryIsNeitherDeletedNorLetGo() async throws {
    let directory = try TemporaryDirectory()
    let store = try await store(["a"], in: directory.path)
    let outside = try TemporaryDirectory()
    let path = outside.path + "/mine.mp4"
    _ = FileManager.default.createFile(atPath: path, contents: Data("mp4".utf8))
    var a = try #require(try await store.record(id: "a"))
    a.localFile = .init(path: path)
    try await store.save(a)
    let result = try await store.discardVideo(id: "a")
    guard case .refusedOutsideDataDirectory = result.video else {
      Issue.record("expected a refusal, got \(result)")
      return
    }
    #expect(FileManager.default.fileExists(atPath: path))
    let kept = try await store.record(id: "a")
    #expect(kept?.localFile?.path == path)
    #expect(kept?.videoDiscardedAt == nil)
  }

  /// `videos_dir` outside the data directory: the studio wrote the file there, so it is the
  /// studio's to delete; a file elsewhere still is not.
  @Test func aFileInTheConfiguredVideosDirectoryIsTheStudiosToDiscard() async throws {
    let directory = try TemporaryDirectory()
    let store = try await store(["a", "b"], in: directory.path)
    let videos = try TemporaryDirectory()
    let elsewhere = try TemporaryDirectory()
    for (id, folder) in [("a", videos.path), ("b", elsewhere.path)] {
      let path = folder + "/\(id).mp4"
      _ = FileManager.default.createFile(atPath: path, contents: Data("mp4".utf8))
      var record = try #require(try await store.record(id: id))
      record.localFile = .init(path: path)
      try await store.save(record)
    }
    let discarded = try await store.discardVideo(id: "a", videosDirectory: videos.path)
    #expect(discarded.video == .removed)
    #expect(!FileManager.default.fileExists(atPath: videos.path + "/a.mp4"))
    let refused = try await store.discardVideo(id: "b", videosDirectory: videos.path)
    guard case .refusedOutsideDataDirectory = refused.video else {
      Issue.record("expected a refusal, got \(refused)")
      return
    }
    #expect(FileManager.default.fileExists(atPath: elsewhere.path + "/b.mp4"))
    // Deleting a record with its video follows the same rule.
    let deleted = try await store.delete(id: "b", removeVideo: true, videosDirectory: elsewhere.path)
    #expect(deleted.video == .removed)
  }

  @Test func starringIsSavedAndOnlyAStarredRecordWritesTheField() async throws {
    let directory = try TemporaryDirectory()
    let store = try await store(["a", "b"], in: directory.path)
    #expect(try await store.setStarred(id: "b", true)?.starred == true)
    #expect(try await store.setStarred(id: "nope", true) == nil)
    let reread = try await HistoryStore(directory: directory.path)
    #expect(try await reread.record(id: "b")?.starred == true)
    #expect(try await reread.record(id: "a")?.starred == false)
    let text = try String(contentsOfFile: directory.path + "/history.jsonl", encoding: .utf8)
    let lines = text.split(separator: "\n")
    #expect(lines.filter { $0.contains(#""starred":true"#) }.count == 1)
    #expect(!text.contains(#""starred":false"#), "an unstarred record reads as lines always did")
    #expect(try await store.setStarred(id: "b", false)?.starred == false)
    #expect(try await HistoryStore(directory: directory.path).record(id: "b")?.starred == false)
  }
}
