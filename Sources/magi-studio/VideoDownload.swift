#if canImport(Glibc)
import Glibc
#endif
import FalClient
import FalProtocol

/// Saves a finished video under a name a person can recognise: the prompt's first words and the
/// request id, so that a directory of renders reads like a list of what was asked for.
enum VideoDownload {
  static func save(
    _ output: VideoOutput, from client: FalQueueClient, into directory: String, prompt: String, requestID: String
  ) async throws -> String {
    let path = directory + "/" + fileName(prompt: prompt, requestID: requestID)
    try await client.download(output.video.url, to: path, expectedSize: output.video.fileSize.map(Int64.init)) { progress in
      Console.progress("downloading", progress.downloaded, progress.downloadTotal)
    }
    return path
  }

  static func fileName(prompt: String, requestID: String) -> String {
    var slug = ""
    for character in prompt.lowercased() {
      if character.isLetter || character.isNumber, character.isASCII {
        slug.append(character)
      } else if !slug.isEmpty, slug.last != "-" {
        slug.append("-")
      }
      if slug.count >= 40 { break }
    }
    while slug.hasSuffix("-") { slug.removeLast() }
    let id = requestID.filter { $0.isLetter || $0.isNumber }.prefix(8)
    return (slug.isEmpty ? "magi" : slug) + "-\(id).mp4"
  }
}

enum OutputDirectory {
  /// Creates the directory if needed and checks it is writable, before anything is paid for.
  static func prepare(_ path: String) throws {
    var info = stat()
    if stat(path, &info) != 0 {
      if mkdir(path, 0o755) != 0 {
        throw CommandFailure(message: "cannot create \(path): \(String(cString: strerror(errno)))", code: ExitStatus.invalidInput)
      }
    } else if info.st_mode & S_IFMT != S_IFDIR {
      throw CommandFailure(message: "\(path) is not a directory", code: ExitStatus.invalidInput)
    }
    guard access(path, W_OK) == 0 else {
      throw CommandFailure(message: "cannot write to \(path): \(String(cString: strerror(errno)))", code: ExitStatus.invalidInput)
    }
  }
}
