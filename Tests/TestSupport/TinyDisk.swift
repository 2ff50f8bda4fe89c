import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A tmpfs of a few kilobytes, mounted for one test (root only): a disk that really fills or turns
/// read-only, even for root, which permission bits do not stop.
public final class TinyDisk {
  public let path: String

  /// Whether this process may mount one (root, a kernel with tmpfs, no sandbox that forbids it).
  public static let available: Bool = (try? TinyDisk(kilobytes: 64)) != nil

  public init(kilobytes: Int) throws {
    path = NSTemporaryDirectory() + "magi-tiny-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    guard Self.run(["mount", "-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", path]) == 0 else {
      rmdir(path)
      throw POSIXError(.EPERM)
    }
  }

  /// Makes the mounted file system read-only (for root too).
  public func remountReadOnly() -> Bool { Self.run(["mount", "-o", "remount,ro", path]) == 0 }

  /// Takes every free block.
  public func fill() {
    let descriptor = open(path + "/filler", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let block = [UInt8](repeating: 1, count: 4096)
    while write(descriptor, block, block.count) > 0 {}
    close(descriptor)
  }

  deinit {
    _ = Self.run(["umount", path])
    rmdir(path)
  }

  @discardableResult
  static func run(_ arguments: [String]) -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return -1 }
    process.waitUntilExit()
    return process.terminationStatus
  }
}
