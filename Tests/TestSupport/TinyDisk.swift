import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A tmpfs of a few kilobytes, mounted for one test (root only): a disk that really fills or turns
/// read-only, even for root, which permission bits do not stop.
///
/// `mount` runs as a child process awaited off the task pool; the unmount at the end runs on a
/// thread of its own (`deinit` cannot await).
public final class TinyDisk: Sendable {
  public let path: String

  /// Whether this process may mount one (root, a kernel with tmpfs, no sandbox that forbids it):
  /// tried once, for `.enabled { await TinyDisk.available }`.
  public static var available: Bool {
    get async { await probe.value }
  }

  private static let probe = Task { (try? await TinyDisk(kilobytes: 64)) != nil }

  public init(kilobytes: Int) async throws {
    path = NSTemporaryDirectory() + "magi-tiny-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    guard await Self.run(["mount", "-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", path]) == 0 else {
      rmdir(path)
      throw POSIXError(.EPERM)
    }
  }

  /// Makes the mounted file system read-only (for root too).
  public func remountReadOnly() async -> Bool { await Self.run(["mount", "-o", "remount,ro", path]) == 0 }

  /// Takes every free block (a few kilobytes of memory-backed writes).
  public func fill() {
    let descriptor = open(path + "/filler", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let block = [UInt8](repeating: 1, count: 4096)
    while write(descriptor, block, block.count) > 0 {}
    close(descriptor)
  }

  deinit {
    let path = path
    let thread = Thread {
      guard let pid = try? ChildProcess.spawn(["umount", path], environment: nil, directory: nil)
      else {
        return
      }
      var status: Int32 = 0
      while waitpid(pid, &status, 0) < 0, errno == EINTR {}
      rmdir(path)
    }
    thread.name = "test-umount"
    thread.start()
  }

  private static func run(_ arguments: [String]) async -> Int32 {
    (try? await ChildProcess.run(arguments))?.status ?? -1
  }
}
