import FalProtocol

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

extension FalQueueClient {
  /// A `data:` URI of a small local file, for inputs sent inline instead of uploaded.
  ///
  /// fal's file inputs accept data URIs, but the whole file travels base64-encoded in the request
  /// body, so this is limited to `maxBytes`. `contentType` is what the file was found to be (its
  /// first bytes), else its name's guess.
  public static func dataURI(
    file path: String, contentType: String? = nil, maxBytes: Int64 = Int64(DataURI.maxBytes)
  ) throws(FalClientError) -> String {
    let size = try LocalFile.readableSize(path)
    guard size <= maxBytes else {
      throw .file("\(path) is \(size) bytes; inline data URIs are limited to \(maxBytes) bytes, upload it instead")
    }
    guard let data = FileManager.default.contents(atPath: path) else { throw .file("cannot read \(path)") }
    return "data:\(contentType ?? MediaType.guess(fromFileName: path));base64,\(data.base64EncodedString())"
  }

  /// Downloads `url` to `destination`, streaming to disk through `destination.part` and resuming a
  /// previous partial download with an HTTP Range request.
  ///
  /// The finished file appears under its final name only when complete (and of the announced size),
  /// so a half-downloaded video never looks finished. It never replaces a file already there: a
  /// `destination` of the expected size is taken as this download done before (a crash between
  /// the move and the record), any other is an error. With `expectedSize` the free space is checked
  /// first, and the body is cut off just past that size: a server that sends too much or without
  /// end costs at most a few bytes more, and a wrong file is deleted, not kept to "resume".
  ///
  /// `observer` sees the bytes as they are written (see ``FileSinkObserver``), to hash them while
  /// they stream; a resumed download writes from the partial file's size, and a file found already
  /// complete is not read at all.
  /// - Returns: the size of the downloaded file.
  @discardableResult
  public func download(
    _ url: String, to destination: String, expectedSize: Int64? = nil,
    progress: (@Sendable (TransferProgress) -> Void)? = nil, observer: FileSinkObserver? = nil
  ) async throws(FalClientError) -> Int64 {
    let lower = url.lowercased()
    guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
      throw .invalidConfiguration("refusing to download '\(url)': only http and https URLs are fetched")
    }
    if let present = LocalFile.size(destination) {
      if let expectedSize, present == expectedSize, LocalFile.isRegular(destination) { return present }
      throw .local(
        LocalFileError(.cannotCreate, path: destination, message: "\(destination) already exists; not replacing it"))
    }
    let partial = destination + ".part"
    var existing = LocalFile.size(partial) ?? 0
    if let expectedSize, existing > expectedSize {
      unlink(partial)
      existing = 0
    }
    if existing == 0 { try LocalFile.reserve(partial) }
    if let expectedSize, let free = LocalFile.freeBytes(partial), free < expectedSize - existing {
      throw .local(
        LocalFileError(
          .io, path: partial,
          message: "not enough space for \(destination): it needs \(expectedSize - existing) bytes, \(free) are free"))
    }
    var headers = HTTPHeaders()
    headers.add("User-Agent", userAgent)
    if existing > 0 { headers.add("Range", "bytes=\(existing)-") }
    var request = HTTPRequest(
      method: .get, url: url, headers: headers, timeouts: HTTPTimeouts(connect: .seconds(10), idle: .seconds(60)),
      progress: progress)
    request.fileLimit = expectedSize.map { $0 + Self.downloadMargin }
    let response: HTTPResponse
    do {
      response = try await send(
        request, safety: .idempotent, sink: .file(path: partial, append: existing > 0, observer: observer))
    } catch {
      if case .transport(let failure) = error {
        switch failure.kind {
        case .file: throw .local(LocalFileError(.io, path: partial, message: failure.message))
        case .bodyTooLarge:
          unlink(partial)
          throw .malformedResponse(
            "download of \(url) is wrong: expected \(expectedSize ?? 0) bytes, the server sent more; the partial file was deleted"
          )
        default: break
        }
      }
      throw error
    }
    let size = LocalFile.size(partial) ?? 0
    let announced: Int64? = {
      if response.status == 206, let range = response.headers["Content-Range"],
        let total = range.split(separator: "/").last
      {
        return Int64(total)
      }
      return response.headers["Content-Length"].flatMap { Int64($0) }.map {
        response.status == 206 ? $0 + existing : $0
      }
    }()
    if let expected = expectedSize ?? announced, expected != size {
      if size > expected {
        unlink(partial)
        throw .malformedResponse(
          "download of \(url) is wrong: expected \(expected) bytes, received \(size); the partial file was deleted")
      }
      throw .transport(
        TransportError(
          .connectionLost, "download of \(url) stopped at \(size) of \(expected) bytes (run again to resume)"))
    }
    try LocalFile.place(partial, at: destination)
    return size
  }

  /// How far past the announced size a body may run before the download is cut off: enough to
  /// say how much too big it was, too little to matter on any disk.
  static let downloadMargin: Int64 = 64 << 10

  static func encode<T: Encodable>(_ value: T) -> Data {
    (try? JSONEncoder().encode(value)) ?? Data("{}".utf8)
  }
}

/// Checks on local files made before any request, so a missing file costs no network call.
enum LocalFile {
  static func readableSize(_ path: String) throws(FalClientError) -> Int64 {
    var info = stat()
    guard stat(path, &info) == 0 else {
      throw .file("cannot read \(path): \(String(cString: strerror(errno)))")
    }
    guard info.st_mode & S_IFMT == S_IFREG else { throw .file("\(path) is not a regular file") }
    guard access(path, R_OK) == 0 else { throw .file("cannot read \(path): \(String(cString: strerror(errno)))") }
    return Int64(info.st_size)
  }

  static func size(_ path: String) -> Int64? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return Int64(info.st_size)
  }

  static func isRegular(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
  }

  /// Creates `path` empty with `O_EXCL`, so a download never writes into a file it did not make;
  /// an empty one left by an earlier attempt of the same download is taken over.
  static func reserve(_ path: String) throws(FalClientError) {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    if descriptor >= 0 {
      close(descriptor)
      return
    }
    let failure = errno
    if failure == EEXIST, isRegular(path), size(path) == 0 { return }
    throw .local(LocalFileError("create", path: path, errno: failure))
  }

  /// Moves a finished download to its name without ever replacing a file there (a hard link fails
  /// on an existing name; `rename` is the fallback where links are not supported).
  static func place(_ partial: String, at destination: String) throws(FalClientError) {
    if link(partial, destination) == 0 {
      unlink(partial)
      return
    }
    let failure = errno
    if failure == EEXIST {
      throw .local(
        LocalFileError(.cannotCreate, path: destination, message: "\(destination) already exists; not replacing it"))
    }
    if failure == EPERM || failure == EOPNOTSUPP || failure == EXDEV, access(destination, F_OK) != 0,
      rename(partial, destination) == 0
    {
      return
    }
    throw .local(LocalFileError("move \(partial) to", path: destination, errno: failure))
  }

  /// Bytes an unprivileged writer may still use on the file system holding `path` (its directory).
  static func freeBytes(_ path: String) -> Int64? {
    let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
    var info = statvfs()
    guard statvfs(directory.isEmpty ? "/" : directory, &info) == 0 else { return nil }
    return Int64(info.f_bavail) * Int64(info.f_frsize)
  }

  static func lastComponent(_ path: String) -> String {
    path.split(separator: "/").last.map(String.init) ?? path
  }
}

/// Content types of the media the studio sends and receives.
public enum MediaType {
  public static func guess(fromFileName name: String) -> String {
    let ext = name.split(separator: ".").last.map { $0.lowercased() } ?? ""
    switch ext {
    case "png": return "image/png"
    case "jpg", "jpeg": return "image/jpeg"
    case "webp": return "image/webp"
    case "gif": return "image/gif"
    case "bmp": return "image/bmp"
    case "mp4", "m4v": return "video/mp4"
    case "mov": return "video/quicktime"
    case "webm": return "video/webm"
    case "mkv": return "video/x-matroska"
    default: return "application/octet-stream"
    }
  }

  /// Sniffs the first bytes of a file: is it an image or a video container we know?
  public static func sniff(_ header: [UInt8]) -> String? {
    func starts(_ bytes: [UInt8], at offset: Int = 0) -> Bool {
      header.count >= offset + bytes.count && Array(header[offset..<offset + bytes.count]) == bytes
    }
    if starts([0x89, 0x50, 0x4E, 0x47]) { return "image/png" }
    if starts([0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
    if starts(Array("GIF8".utf8)) { return "image/gif" }
    if starts(Array("RIFF".utf8)), starts(Array("WEBP".utf8), at: 8) { return "image/webp" }
    if starts(Array("BM".utf8)) { return "image/bmp" }
    if starts(Array("ftyp".utf8), at: 4) { return "video/mp4" }
    if starts([0x1A, 0x45, 0xDF, 0xA3]) { return "video/webm" }
    return nil
  }
}
