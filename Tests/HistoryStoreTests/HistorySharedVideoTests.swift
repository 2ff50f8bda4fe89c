import Foundation
import Testing

@testable import HistoryStore

/// Records written by older studios could share one video file (names cut to 8 characters of a
/// time-ordered id); deleting one of them must not take the other's video.
@Suite struct HistorySharedVideoTests {
  @Test("a video another record points at is kept when one of them is deleted, and removed with the last")
  func aSharedVideoGoesOnlyWithItsLastRecord() async throws {
    let directory = try TemporaryDirectory()
    let store = try await HistoryStore(directory: directory.path)
    try FileManager.default.createDirectory(atPath: directory.path + "/videos", withIntermediateDirectories: true)
    let shared = directory.path + "/videos/2026-11-27_a-red-fox_019ac4d6.mp4"
    _ = FileManager.default.createFile(atPath: shared, contents: Data("mp4".utf8))
    var records: [GenerationRecord] = (0..<50).map { makeRecord("other\($0)", status: .completed, created: Double($0)) }
    for index in records.indices {
      records[index].localFile = .init(path: directory.path + "/videos/other\(index).mp4")
    }
    var first = makeRecord("first", status: .completed, created: 100)
    first.localFile = .init(path: shared, sha256: "aa")
    try await store.save(contentsOf: records + [first])
    // The second record comes from another process, through the file.
    var second = makeRecord("second", status: .completed, created: 101)
    second.localFile = .init(path: shared, sha256: "bb")
    try await HistoryStore(directory: directory.path).save(second)

    let kept = try await store.delete(id: "first", removeVideo: true)
    #expect(kept == HistoryDeletion(found: true, video: .sharedWith("second")))
    #expect(FileManager.default.fileExists(atPath: shared))
    let removed = try await store.delete(id: "second", removeVideo: true)
    #expect(removed == HistoryDeletion(found: true, video: .removed))
    #expect(!FileManager.default.fileExists(atPath: shared))
  }
}
