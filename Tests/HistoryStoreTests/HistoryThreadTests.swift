import Foundation
import TestSupport
import Testing

@testable import HistoryStore

/// The store's blocking calls run on its own thread: a store waiting for another process's lock
/// (as during that process's compaction) must leave Swift's task pool free for everything else.
@Suite struct HistoryThreadTests {
  /// `flock`'s system call number, as `/proc/…/syscall` shows it while a thread waits in it.
  #if arch(x86_64)
    private static let flockSyscall = "73"
  #elseif arch(arm64)
    private static let flockSyscall = "32"
  #endif

  /// Whether the thread `id` of this process is inside `flock` right now.
  private func waitsInFlock(_ id: Int32) -> Bool {
    guard let text = try? String(contentsOfFile: "/proc/self/task/\(id)/syscall", encoding: .utf8) else { return false }
    return text.split(separator: " ").first == Substring(Self.flockSyscall)
  }

  /// The names of this process's threads that are inside `flock` right now.
  private func threadsInFlock() -> [String] {
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
    return tasks.compactMap { task in
      guard let id = Int32(task), waitsInFlock(id) else { return nil }
      let name = try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)
      return name?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
    }
  }

  @Test(
    "saves waiting for another process's lock wait on the stores' threads; more tasks than the pool has threads still run",
    .timeLimit(.minutes(1)))
  func lockWaitLeavesThePoolFree() async throws {
    let directory = try TemporaryDirectory()
    // More stores than the pool has threads: were their waits on the pool, nothing else could run.
    let count = 2 * ProcessInfo.processInfo.activeProcessorCount + 2
    var stores: [HistoryStore] = []
    for _ in 0..<count { stores.append(try await HistoryStore(directory: directory.path)) }
    let holder = try torture(["hold-lock", directory.path], input: true)
    #expect(await holder.stdout.lines(reaching: 1) == ["locked"])

    let saves = stores.enumerated().map { number, store in
      Task { try await store.save(makeRecord("waiting-\(number)")) }
    }
    for store in stores {
      let thread = store.thread.threadID
      #expect(thread > 0)
      // Ends with the time limit (cancelled) if the wait never reaches the store's thread.
      while !waitsInFlock(thread) {
        try Task.checkCancellation()
        await Task.yield()
      }
    }
    // A store opening meanwhile waits for the shared lock on its own thread too (the init's work
    // runs on the store's executor once its properties are set).
    let opening = Task { try await HistoryStore(directory: directory.path) }
    // Counted by name: other suites running alongside may have stores of their own in flock.
    while threadsInFlock().filter({ $0 == "magi-history-io" }).count < count + 1 {
      try Task.checkCancellation()
      await Task.yield()
    }
    // No thread of the pool is among those in flock (the pool's threads carry the process's name).
    let processName = (try? String(contentsOfFile: "/proc/self/comm", encoding: .utf8))?
      .trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(!threadsInFlock().contains(where: { $0 == processName }), "\(threadsInFlock())")
    // Every store's thread is blocked in flock; the pool is not.
    let finished = await withTaskGroup(of: Int.self) { group in
      for number in 0..<(4 * count) { group.addTask { number } }
      return await group.reduce(0, +)
    }
    #expect(finished == (0..<(4 * count)).reduce(0, +))
    #expect(try directory.lines().isEmpty)

    holder.closeInput()
    #expect(await holder.exitStatus().status == 0)
    for save in saves { try await save.value }
    #expect(await (try opening.value).count >= 0)
    #expect(await stores[0].count == count)
    #expect(try directory.lines().count == count)
  }

  @Test("the store's thread ends with the store", .timeLimit(.minutes(1)))
  func threadEndsWithTheStore() async throws {
    let directory = try TemporaryDirectory()
    var store: HistoryStore? = try await HistoryStore(directory: directory.path)
    let thread = try #require(store?.thread.threadID)
    #expect(FileManager.default.fileExists(atPath: "/proc/self/task/\(thread)"))
    store = nil
    while FileManager.default.fileExists(atPath: "/proc/self/task/\(thread)") {
      try Task.checkCancellation()
      await Task.yield()
    }
  }
}
