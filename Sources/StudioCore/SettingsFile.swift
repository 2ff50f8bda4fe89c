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

/// Reads a config or theme file as text, refusing what cannot be settings before reading it whole:
/// a file past ``TOMLReader/maximumBytes`` (a mistaken path to a video, a runaway generator) or
/// something that is not a regular file (a FIFO would block the studio's start forever).
enum SettingsFile {
  enum Contents: Equatable {
    case missing
    case text(String)
    /// Why the file cannot be used, worded to follow its path.
    case unusable(String)
  }

  static func read(_ path: String) -> Contents {
    var info = stat()
    guard stat(path, &info) == 0 else {
      return errno == ENOENT ? .missing : .unusable("cannot be read (\(String(cString: strerror(errno))))")
    }
    guard (info.st_mode & S_IFMT) == S_IFREG else { return .unusable("is not a regular file") }
    guard Int64(info.st_size) <= Int64(TOMLReader.maximumBytes) else {
      return .unusable("is larger than \(TOMLReader.maximumBytes >> 20) MiB (\(info.st_size) bytes); not read")
    }
    guard let data = FileManager.default.contents(atPath: path) else { return .unusable("cannot be read") }
    guard let text = String(validating: data, as: UTF8.self) else { return .unusable("cannot be read as UTF-8 text") }
    return .text(text)
  }
}
