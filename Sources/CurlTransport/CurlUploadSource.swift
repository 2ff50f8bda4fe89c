import FalClient

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A request body as curl pulls it, one buffer at a time.
///
/// Files are read with `pread` at an explicit position, so curl's seek callback (used to rewind on
/// auth or retries) only has to move `position`, and a 500 MB upload never holds more than curl's
/// own upload buffer in memory.
///
/// Thread ownership: created on the calling task, then used only by the curl thread once the
/// transfer is submitted.
final class CurlUploadSource {
  private enum Storage {
    case memory(Data)
    case file(descriptor: Int32, start: Int64, path: String)
  }

  private let storage: Storage
  /// Exact number of bytes sent; curl is told up front so no chunked encoding is needed.
  let length: Int64
  private var position: Int64 = 0

  private init(storage: Storage, length: Int64) {
    self.storage = storage
    self.length = length
  }

  deinit {
    if case .file(let descriptor, _, _) = storage { close(descriptor) }
  }

  /// Opens the body, failing before any network I/O when a file cannot be read.
  ///
  /// - Returns: nil for `.none`.
  /// - Throws: `.file` naming the path and the system's reason.
  static func make(_ body: HTTPRequestBody) throws(TransportError) -> CurlUploadSource? {
    switch body {
    case .none:
      return nil
    case .data(let data):
      return CurlUploadSource(storage: .memory(data), length: Int64(data.count))
    case .file(let path, let offset, let requestedLength):
      return try openFile(path: path, offset: offset, requestedLength: requestedLength)
    }
  }

  private static func openFile(
    path: String, offset: Int64, requestedLength: Int64?
  ) throws(TransportError) -> CurlUploadSource {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw fileError("cannot read \(path): \(errnoText(errno))") }
    var info = stat()
    guard fstat(descriptor, &info) == 0 else {
      let text = errnoText(errno)
      close(descriptor)
      throw fileError("cannot read \(path): \(text)")
    }
    guard (info.st_mode & S_IFMT) == S_IFREG else {
      close(descriptor)
      throw fileError("cannot read \(path): not a regular file")
    }
    let size = Int64(info.st_size)
    let length = requestedLength ?? (size - offset)
    guard offset >= 0, length >= 0, offset + length <= size else {
      close(descriptor)
      throw fileError(
        "cannot read \(path): range \(offset)+\(length) is outside the file (\(size) bytes)")
    }
    return CurlUploadSource(
      storage: .file(descriptor: descriptor, start: offset, path: path), length: length)
  }

  /// Fills `buffer` with the next bytes.
  ///
  /// - Returns: the byte count (0 at the end), or the error that must abort the upload.
  func read(into buffer: UnsafeMutableRawBufferPointer) -> Result<Int, TransportError> {
    let wanted = Int(min(Int64(buffer.count), length - position))
    guard wanted > 0, let base = buffer.baseAddress else { return .success(0) }
    switch storage {
    case .memory(let data):
      let from = data.startIndex + Int(position)
      data.copyBytes(to: base.assumingMemoryBound(to: UInt8.self), from: from..<(from + wanted))
      position += Int64(wanted)
      return .success(wanted)
    case .file(let descriptor, let start, let path):
      while true {
        let count = pread(descriptor, base, wanted, off_t(start + position))
        if count < 0 {
          if errno == EINTR { continue }
          return .failure(Self.fileError("cannot read \(path): \(errnoText(errno))"))
        }
        if count == 0 {
          // The file shrank while we sent it; the server would wait for bytes that never come.
          return .failure(
            Self.fileError("cannot read \(path): file ended early (it changed during upload)"))
        }
        position += Int64(count)
        return .success(count)
      }
    }
  }

  /// Moves the read position, as curl asks when it must resend the body.
  func seek(to offset: Int64) -> Bool {
    guard offset >= 0, offset <= length else { return false }
    position = offset
    return true
  }

  private static func fileError(_ message: String) -> TransportError {
    TransportError(.file, message)
  }
}

/// The system's text for an errno value, for messages a person reads.
func errnoText(_ code: Int32) -> String {
  String(cString: strerror(code))
}
