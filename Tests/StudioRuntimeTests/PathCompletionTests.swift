import Foundation
import StudioRuntime
import Testing

@Suite struct PathCompletionTests {
  let directory: String

  init() throws {
    directory = NSTemporaryDirectory() + "magi-complete-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory + "/clips", withIntermediateDirectories: true)
    for name in ["clip.mp4", "cover.png", ".config", "notes.txt"] {
      _ = FileManager.default.createFile(atPath: directory + "/" + name, contents: Data())
    }
  }

  @Test func candidatesShareTheStemSortedWithDirectoriesMarked() {
    #expect(
      PathCompletion.candidates(for: directory + "/c", home: "/nowhere") == [
        directory + "/clip.mp4", directory + "/clips/", directory + "/cover.png",
      ])
    #expect(PathCompletion.candidates(for: directory + "/c", home: "/nowhere", limit: 1) == [directory + "/clip.mp4"])
  }

  @Test func hiddenEntriesOnlyWhenAskedFor() {
    #expect(!PathCompletion.candidates(for: directory + "/", home: "/nowhere").contains { $0.hasSuffix(".config") })
    #expect(PathCompletion.candidates(for: directory + "/.c", home: "/nowhere") == [directory + "/.config"])
  }

  @Test func aTildeStaysATilde() {
    #expect(PathCompletion.candidates(for: "~/no", home: directory) == ["~/notes.txt"])
  }

  @Test func anUnreadableDirectoryOffersNothing() {
    #expect(PathCompletion.candidates(for: directory + "/missing/x", home: "/nowhere").isEmpty)
  }

  @Test func oneStudioPerDataDirectoryFollowsJobs() {
    #expect(InstanceLock.acquire(in: directory))
    #expect(!InstanceLock.acquire(in: directory))
  }
}
