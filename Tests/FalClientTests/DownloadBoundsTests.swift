import FalClient
import FalEmulator
import Foundation
import Synchronization
import TestSupport
import Testing

/// Downloads hold to the announced size, and a local failure is reported as one.
@Suite struct DownloadBoundsTests {
  typealias Harness = EmulatorIntegrationTests.Harness

  /// An uploaded file of `size` bytes and a fresh target path beside it.
  private func stored(_ harness: Harness, size: Int) async throws -> (url: String, target: String) {
    let path = NSTemporaryDirectory() + "magi-bounds-\(UUID().uuidString).bin"
    try Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 13) }).write(to: URL(fileURLWithPath: path))
    return (try await harness.client.upload(file: path), path + ".download")
  }

  @Test(.timeLimit(.minutes(1)))
  func anEndlessBodyStopsJustPastTheAnnouncedSizeAndIsDeleted() async throws {
    let harness = try await Harness.start()
    let (url, target) = try await stored(harness, size: 4096)
    await harness.emulator.injectFaults([.endlessBody], on: .file)
    let error = await #expect(throws: FalClientError.self) {
      try await harness.client.download(url, to: target, expectedSize: 4096)
    }
    #expect(error?.description.contains("expected 4096 bytes") == true, "\(String(describing: error))")
    #expect(error?.description.contains("deleted") == true)
    #expect(!FileManager.default.fileExists(atPath: target + ".part"))
    #expect(!FileManager.default.fileExists(atPath: target))
    await harness.stop()
  }

  @Test func aLargerBodyThanAnnouncedSaysBothSizesDeletesItAndIsNotALocalOrInputError() async throws {
    let harness = try await Harness.start()
    let (url, target) = try await stored(harness, size: 4096)
    await harness.emulator.injectFaults([.oversizedBody(bytes: 5000)], on: .file)
    let error = await #expect(throws: FalClientError.self) {
      try await harness.client.download(url, to: target, expectedSize: 4096)
    }
    #expect(error?.description.contains("expected 4096 bytes, received 5000") == true, "\(String(describing: error))")
    #expect(error?.description.contains("resume") == false)
    if case .malformedResponse = error {
    } else {
      Issue.record("a wrong size is the server's fault: \(String(describing: error))")
    }
    #expect(!FileManager.default.fileExists(atPath: target + ".part"))
    // The next try starts afresh and gets the right file.
    #expect(try await harness.client.download(url, to: target, expectedSize: 4096) == 4096)
    await harness.stop()
  }

  @Test func aFileAlreadyAtTheDestinationIsNeverReplaced() async throws {
    let harness = try await Harness.start()
    let (url, target) = try await stored(harness, size: 4096)
    try Data("someone else's video".utf8).write(to: URL(fileURLWithPath: target))
    let error = await #expect(throws: FalClientError.self) {
      try await harness.client.download(url, to: target, expectedSize: 4096)
    }
    if case .local(let local) = error {
      #expect(local.kind == .cannotCreate)
    } else {
      Issue.record("\(String(describing: error))")
    }
    #expect(try String(contentsOfFile: target, encoding: .utf8) == "someone else's video")
    await harness.stop()
  }

  /// A resumed download (a `Range` from the partial file's size) dropped mid-body is retried with
  /// the same `Range`: the retry's bytes replace the dropped attempt's instead of following them
  /// (appending them duplicated 20,000 bytes, and the too-long file was deleted as wrong). The
  /// observer sees both attempts start at the resume point.
  @Test(.timeLimit(.minutes(1)))
  func aResumedDownloadRetriedAfterADropMidBodyWritesNoByteTwice() async throws {
    let harness = try await Harness.start()
    let (url, target) = try await stored(harness, size: 100_000)
    let original = try Data(contentsOf: URL(fileURLWithPath: String(target.dropLast(".download".count))))
    try original.prefix(30_000).write(to: URL(fileURLWithPath: target + ".part"))
    await harness.emulator.injectFaults([.cutBody(afterBytes: 20_000)], on: .file)
    let starts = Mutex<[Int64]>([])
    let observed = Mutex<Int64>(0)
    let size = try await harness.client.download(
      url, to: target, expectedSize: 100_000,
      observer: { offset, bytes in
        observed.withLock { seen in
          if offset != seen { starts.withLock { $0.append(offset) } }
          seen = offset + Int64(bytes.count)
        }
      })
    #expect(size == 100_000)
    #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == original)
    #expect(await harness.emulator.requestCount(.file) == 2, "the dropped attempt and its retry")
    #expect(starts.withLock { $0 } == [30_000, 30_000], "each attempt writes from the resume point")
    await harness.stop()
  }

  @Test(.enabled("needs root and tmpfs mounts") { await TinyDisk.available })
  func aFullDiskWhileDownloadingIsALocalIOErrorNamingThePartialFile() async throws {
    let harness = try await Harness.start()
    let (url, _) = try await stored(harness, size: 600_000)
    let disk = try await TinyDisk(kilobytes: 256)
    let target = disk.path + "/video.mp4"
    // No announced size: nothing to check up front, so the write itself meets the full disk.
    let error = await #expect(throws: FalClientError.self) { try await harness.client.download(url, to: target) }
    guard case .local(let local) = error else {
      Issue.record("a full disk is a local error, not \(String(describing: error))")
      return
    }
    #expect(local.kind == .io)
    #expect(local.message.contains(target + ".part"))
    #expect(local.message.contains("No space left on device"))
    await harness.stop()
  }

  @Test(.enabled("needs root and tmpfs mounts") { await TinyDisk.available })
  func theFreeSpaceIsCheckedBeforeADownloadStarts() async throws {
    let harness = try await Harness.start()
    let (url, _) = try await stored(harness, size: 600_000)
    let disk = try await TinyDisk(kilobytes: 256)
    await harness.emulator.resetRequestCounts()
    let error = await #expect(throws: FalClientError.self) {
      try await harness.client.download(url, to: disk.path + "/video.mp4", expectedSize: 600_000)
    }
    #expect(error?.description.contains("not enough space") == true, "\(String(describing: error))")
    #expect(await harness.emulator.requestCount(.file) == 0)
    await harness.stop()
  }
}
