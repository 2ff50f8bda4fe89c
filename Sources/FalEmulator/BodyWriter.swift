import FlyingFox
import Foundation

/// Streams a request body to a file chunk by chunk, so a 500 MB upload never sits in memory.
///
/// FlyingFox hands bodies above `sharedRequestReplaySize` over as a sequence read straight from the
/// socket; this writes each chunk as it arrives and hashes it on the way for the part's ETag.
enum BodyWriter {
  struct Written: Sendable {
    var size: Int
    /// Quoted FNV-1a 64 of the bytes: stable for identical content, cheap to compute.
    var etag: String
  }

  static func write(_ body: HTTPBodySequence, to url: URL) async throws -> Written {
    let manager = FileManager.default
    try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    guard manager.createFile(atPath: url.path, contents: nil) else {
      throw StorageError.io("cannot create \(url.lastPathComponent)")
    }
    let handle = try FileHandle(forWritingTo: url)
    defer { try? handle.close() }
    var size = 0
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for try await chunk in body {
      try handle.write(contentsOf: chunk)
      size += chunk.count
      for byte in chunk {
        hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
      }
    }
    return Written(size: size, etag: "\"\(String(hash, radix: 16))-\(size)\"")
  }

  /// Reads and throws away a body the handler will not use, so the next request on a kept-alive
  /// connection starts at the right byte.
  static func discard(_ body: HTTPBodySequence) async {
    do {
      for try await _ in body {}
    } catch {}
  }
}
