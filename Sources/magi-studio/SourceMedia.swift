import FalClient
import FalProtocol
import StudioCore

#if canImport(Glibc)
  import Glibc
#endif

/// Reads the image or video argument as the user gave it: a URL is passed on as is (a `data:` URI
/// once its media type and size are checked); a local file is checked up front (exists, readable,
/// really an image or a video, and small enough with `--inline`) before anything is sent.
enum SourceMedia {
  static func parse(_ argument: String?, mode: MagiMode, inline: Bool) throws -> MediaInput? {
    guard let argument else { return nil }
    if let problem = DataURI.problem(with: argument, asSourceOf: mode) {
      throw CommandFailure(message: problem, code: ExitStatus.invalidInput)
    }
    if MagiSchema.isAcceptedURL(argument) { return .url(argument) }
    if argument.lowercased().contains("://") {
      throw CommandFailure(
        message: "unsupported URL '\(argument)': use an http(s) or data URL, or a local path",
        code: ExitStatus.invalidInput)
    }
    let wanted = mode == .extendVideo ? "video" : "image"
    guard let handle = fopen(argument, "rb") else {
      throw CommandFailure(
        message: "cannot read \(argument): \(String(cString: strerror(errno)))", code: ExitStatus.invalidInput)
    }
    defer { fclose(handle) }
    var header = [UInt8](repeating: 0, count: 16)
    let count = fread(&header, 1, header.count, handle)
    guard let type = MediaType.sniff(Array(header.prefix(count))), type.hasPrefix(wanted + "/") else {
      let kinds = wanted == "image" ? "an image (PNG, JPEG, WebP, GIF, BMP)" : "a video (MP4, MOV, WebM)"
      throw CommandFailure(message: "\(argument) is not \(kinds)", code: ExitStatus.invalidInput)
    }
    if inline {
      var info = stat()
      if stat(argument, &info) == 0, Int(info.st_size) > DataURI.maxBytes {
        throw CommandFailure(
          message:
            "\(argument) is \(info.st_size) bytes; --inline sends at most \(DataURI.maxBytes) bytes (leave --inline off to upload it)",
          code: ExitStatus.invalidInput)
      }
    }
    return .file(path: argument, contentType: type, inline: inline)
  }
}
