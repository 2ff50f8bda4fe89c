#if canImport(Glibc)
import Glibc
#endif
import FalClient
import FalProtocol

/// The image or video a request starts from, as the user gave it: a URL passed on as is, or a local
/// file checked up front (exists, readable, really an image or a video) and uploaded when sending.
struct SourceMedia {
  enum Origin {
    case url(String)
    case file(path: String, contentType: String)
  }

  var origin: Origin

  init?(argument: String?, mode: MagiMode) throws {
    guard let argument else { return nil }
    if MagiSchema.isAcceptedURL(argument) {
      origin = .url(argument)
      return
    }
    let lower = argument.lowercased()
    if lower.contains("://") {
      throw CommandFailure(message: "unsupported URL '\(argument)': use an http(s) or data URL, or a local path", code: ExitStatus.invalidInput)
    }
    let wanted = mode == .extendVideo ? "video" : "image"
    guard let handle = fopen(argument, "rb") else {
      throw CommandFailure(message: "cannot read \(argument): \(String(cString: strerror(errno)))", code: ExitStatus.invalidInput)
    }
    defer { fclose(handle) }
    var header = [UInt8](repeating: 0, count: 16)
    let count = fread(&header, 1, header.count, handle)
    guard let type = MediaType.sniff(Array(header.prefix(count))), type.hasPrefix(wanted + "/") else {
      throw CommandFailure(message: "\(argument) is not \(wanted == "image" ? "an image" : "a video") (PNG, JPEG, WebP, GIF\(wanted == "video" ? ", MP4, WebM" : ""))", code: ExitStatus.invalidInput)
    }
    origin = .file(path: argument, contentType: type)
  }

  /// A stand-in URL so that the schema can check the other fields before the upload is paid for.
  var placeholderURL: String {
    switch origin {
    case .url(let url): url
    case .file: "https://upload.pending/local-file"
    }
  }

  /// The URL the request will carry: the given one, an uploaded file's, or an inline data URI.
  func resolve(with client: FalQueueClient, inline: Bool) async throws -> String {
    switch origin {
    case .url(let url):
      return url
    case .file(let path, let contentType):
      if inline { return try FalQueueClient.dataURI(file: path) }
      let url = try await client.upload(file: path, contentType: contentType) { progress in
        Console.progress("uploading", progress.uploaded, progress.uploadTotal)
      }
      Console.line("uploaded \(path)")
      return url
    }
  }
}
