import Foundation
import Synchronization
import Testing

@testable import StudioCore

/// The embedded emulator's key: private, made once, shared by every process of the user.
@Suite struct TwinKeyTests {
  func tempDir() throws -> String {
    let path = NSTemporaryDirectory() + "magi-twin-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  @Test func theKeyIsRandomPrivateAndReused() throws {
    let dir = try tempDir() + "/data/magi-studio"
    let first = try TwinKey.load(inDataDirectory: dir)
    let path = TwinKey.path(inDataDirectory: dir)
    var info = stat()
    #expect(stat(path, &info) == 0)
    #expect(info.st_mode & 0o777 == 0o600)
    #expect(first.key.count == 64 && first.key.allSatisfy(\.isHexDigit))
    #expect(first.credentials.authorizationHeader == "Key \(first.key)")
    #expect(first.credentials.source == .file(path))
    #expect(try TwinKey.load(inDataDirectory: dir).key == first.key)
    #expect(try TwinKey.load(inDataDirectory: try tempDir()).key != first.key)
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == [TwinKey.fileName], "no temporary file is left")
  }

  /// Processes starting at once must agree on one key, and none may read a half-written file.
  @Test func concurrentCreatorsAgreeOnOneKey() throws {
    let dir = try tempDir()
    let keys = LockedKeys()
    DispatchQueue.concurrentPerform(iterations: 16) { _ in
      keys.add((try? TwinKey.load(inDataDirectory: dir).key) ?? "failed")
    }
    #expect(keys.all.count == 16)
    #expect(Set(keys.all).count == 1, "\(Set(keys.all))")
    #expect(!keys.all.contains("failed"))
  }

  @Test func aKeyFileOthersCanReadIsRefused() throws {
    let dir = try tempDir()
    let key = try TwinKey.load(inDataDirectory: dir).key
    chmod(TwinKey.path(inDataDirectory: dir), 0o644)
    do {
      _ = try TwinKey.load(inDataDirectory: dir)
      Issue.record("a readable key guards nothing")
    } catch {
      #expect(error.description.contains("chmod 600"))
      #expect(!error.description.contains(key))
    }
  }
}

final class LockedKeys: Sendable {
  private let keys = Mutex<[String]>([])
  func add(_ key: String) { keys.withLock { $0.append(key) } }
  var all: [String] { keys.withLock { $0 } }
}
