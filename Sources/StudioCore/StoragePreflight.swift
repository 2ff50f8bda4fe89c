import FalClient

#if canImport(Glibc)
  import Glibc
#endif

/// Checks, before anything is uploaded or paid for, that a job's record and its video have
/// somewhere to go: a billed job whose record cannot be written is a job the user can never find.
///
/// Root ignores permission bits, so the checks ask the file system itself: the history file opened
/// for appending (a read-only mount refuses even root), the directories being directories, and a
/// little free space (a full disk takes the open but not the write).
public enum StoragePreflight {
  /// Room a record (a few KB, logs included) and its index need, with plenty to spare.
  public static let minimumFreeBytes: Int64 = 1 << 20

  /// - Throws: ``FalClientError/local(_:)`` naming the path and the reason.
  public static func check(historyFile: String, videosDirectory: String) throws(FalClientError) {
    let descriptor = open(historyFile, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else {
      throw .local(LocalFileError("write the history", path: historyFile, errno: errno))
    }
    close(descriptor)
    try checkRoom(historyFile, what: "the history")
    try makeDirectory(videosDirectory)
    guard access(videosDirectory, W_OK) == 0 else {
      throw .local(LocalFileError("write videos to", path: videosDirectory, errno: errno))
    }
    try checkRoom(videosDirectory + "/.", what: "videos")
  }

  /// Creates `path` and its parents (mode 0755) and checks that it is a directory.
  public static func makeDirectory(_ path: String) throws(FalClientError) {
    var current = ""
    for component in path.split(separator: "/") {
      current += "/" + component
      if mkdir(current, 0o755) != 0, errno != EEXIST {
        throw .local(LocalFileError("create", path: current, errno: errno))
      }
    }
    var info = stat()
    if stat(path, &info) != 0 { throw .local(LocalFileError("create", path: path, errno: errno)) }
    guard info.st_mode & S_IFMT == S_IFDIR else {
      throw .local(
        LocalFileError(.cannotCreate, path: path, message: "cannot keep videos in \(path): it is not a directory"))
    }
  }

  private static func checkRoom(_ path: String, what: String) throws(FalClientError) {
    let directory = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
    var info = statvfs()
    guard statvfs(directory.isEmpty ? "/" : directory, &info) == 0 else {
      throw .local(LocalFileError("check the space for \(what) in", path: directory, errno: errno))
    }
    if info.f_flag & UInt(ST_RDONLY) != 0 {
      throw .local(LocalFileError("write \(what) to", path: directory, errno: EROFS))
    }
    let free = Int64(info.f_bavail) * Int64(info.f_frsize)
    if free < minimumFreeBytes {
      throw .local(
        LocalFileError(
          .io, path: directory, message: "cannot write \(what) to \(directory): the disk is full (\(free) bytes free)"))
    }
  }
}
