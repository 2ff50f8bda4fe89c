#if canImport(Glibc)
  import Glibc
#endif

enum OutputDirectory {
  /// Creates the directory if needed and checks it is writable, before anything is paid for.
  static func prepare(_ path: String) throws {
    var info = stat()
    if stat(path, &info) != 0 {
      if mkdir(path, 0o755) != 0 {
        throw CommandFailure(
          message: "cannot create \(path): \(String(cString: strerror(errno)))", code: ExitStatus.cannotCreate)
      }
    } else if info.st_mode & S_IFMT != S_IFDIR {
      throw CommandFailure(message: "\(path) is not a directory", code: ExitStatus.cannotCreate)
    }
    guard access(path, W_OK) == 0 else {
      throw CommandFailure(
        message: "cannot write to \(path): \(String(cString: strerror(errno)))", code: ExitStatus.cannotCreate)
    }
  }
}
