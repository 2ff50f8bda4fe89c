#if canImport(Glibc)
import Glibc
#endif
import StudioCore

/// Puts a copy of a finished video where the user asked, keeping the studio's own copy (the one
/// `open` and the history point at): a hard link when both are on one file system, else a copy.
enum VideoCopy {
  static func place(_ source: String, into directory: String) throws -> String {
    let name = source.split(separator: "/").last.map(String.init) ?? "video.mp4"
    let target = directory + "/" + name
    if Launcher.canonicalPath(source) == Launcher.canonicalPath(target) { return target }
    unlink(target)
    if link(source, target) == 0 { return target }
    guard let input = fopen(source, "rb") else {
      throw CommandFailure(message: "cannot read \(source): \(String(cString: strerror(errno)))", code: 1)
    }
    defer { fclose(input) }
    guard let output = fopen(target + ".part", "wb") else {
      throw CommandFailure(message: "cannot write \(target): \(String(cString: strerror(errno)))", code: 1)
    }
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    while true {
      let count = fread(&buffer, 1, buffer.count, input)
      if count == 0 { break }
      if fwrite(buffer, 1, count, output) != count {
        let reason = String(cString: strerror(errno))
        fclose(output)
        unlink(target + ".part")
        throw CommandFailure(message: "cannot write \(target): \(reason)", code: 1)
      }
    }
    guard fclose(output) == 0, rename(target + ".part", target) == 0 else {
      throw CommandFailure(message: "cannot write \(target): \(String(cString: strerror(errno)))", code: 1)
    }
    return target
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
