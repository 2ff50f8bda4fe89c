import FalClient

#if canImport(Glibc)
  import Glibc
#endif

/// Puts a copy of a finished video where the user asked, keeping the studio's own copy (the one
/// `open` and the history point at): a hard link when both are on one file system, else a copy.
public enum VideoCopy {
  /// The copy's path: the video's own (unique) name in `directory`.
  public static func target(of source: String, in directory: String) -> String {
    directory + "/" + (source.split(separator: "/").last.map(String.init) ?? "video.mp4")
  }

  @discardableResult
  public static func place(_ source: String, into directory: String) throws(FalClientError) -> String {
    let target = target(of: source, in: directory)
    if Launcher.canonicalPath(source) == Launcher.canonicalPath(target) { return target }
    unlink(target)
    if link(source, target) == 0 { return target }
    guard let input = fopen(source, "rb") else { throw .local(LocalFileError("read", path: source, errno: errno)) }
    defer { fclose(input) }
    guard let output = fopen(target + ".part", "wb") else {
      throw .local(LocalFileError("write", path: target, errno: errno))
    }
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    while true {
      let count = fread(&buffer, 1, buffer.count, input)
      if count == 0 { break }
      if fwrite(buffer, 1, count, output) != count {
        let failure = errno
        fclose(output)
        unlink(target + ".part")
        throw .local(LocalFileError("write", path: target, errno: failure))
      }
    }
    guard fclose(output) == 0, rename(target + ".part", target) == 0 else {
      let failure = errno
      unlink(target + ".part")
      throw .local(LocalFileError("write", path: target, errno: failure))
    }
    return target
  }
}
