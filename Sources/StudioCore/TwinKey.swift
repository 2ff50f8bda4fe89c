import FalClient
import FalProtocol

#if canImport(Glibc)
  import Glibc
#endif

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// The key the embedded emulator (the twin) accepts, kept in the data directory.
///
/// The twin listens on a loopback port, which every user of a shared render box can reach. With a
/// random key that only this user can read (mode 0600), other users can neither submit jobs to it
/// nor read its jobs' status, logs or results. Its files stay readable by URL, as fal's CDN files
/// are: those URLs are unguessable capabilities (125 random bits), handed only to the key holder.
///
/// The file is made once and then reused, so every studio and CLI process of the user shares one
/// key; it is created atomically (written under a private name, then linked into place), so two
/// processes starting at once agree on the key and nobody reads a half-written one.
public enum TwinKey {
  public static let fileName = "twin.key"

  public static func path(inDataDirectory directory: String) -> String {
    directory + "/" + fileName
  }

  /// The key in `directory/twin.key`, created if there is none, with the credentials that send it.
  public static func load(inDataDirectory directory: String) throws(FalClientError) -> (
    key: String, credentials: Credentials
  ) {
    let path = path(inDataDirectory: directory)
    let key = try loadOrCreate(path)
    return (key, Credentials(key: key, source: .file(path)))
  }

  static func loadOrCreate(_ path: String) throws(FalClientError) -> String {
    if let key = try read(path) { return key }
    if let slash = path.lastIndex(of: "/"), slash != path.startIndex { try makeDirectory(String(path[..<slash])) }
    let temporary = "\(path).\(getpid()).\(UInt32.random(in: 0...UInt32.max))"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
    guard fd >= 0 else { throw .file("cannot create \(temporary): \(errorText())") }
    defer { unlink(temporary) }
    let key = newKey() + "\n"
    let written = key.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, key.utf8.count) }
    let synced = fsync(fd) == 0
    close(fd)
    guard written == key.utf8.count, synced else { throw .file("cannot write \(temporary): \(errorText())") }
    // link() never replaces: when another process got there first, its key is the one to use.
    if link(temporary, path) != 0, errno != EEXIST {
      throw .file("cannot create \(path): \(errorText())")
    }
    guard let key = try read(path) else { throw .file("cannot read \(path) after creating it") }
    return key
  }

  /// The key in `path`, nil when there is no file; refuses one that others could read or use.
  static func read(_ path: String) throws(FalClientError) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
    if fd < 0 {
      if errno == ENOENT { return nil }
      throw .file("cannot read \(path): \(errorText())")
    }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw .file("cannot read \(path): \(errorText())") }
    guard info.st_mode & S_IFMT == S_IFREG else {
      throw .invalidConfiguration("\(path) is not a regular file; remove it and a new key is made")
    }
    guard info.st_uid == geteuid() else {
      throw .invalidConfiguration("refusing \(path): it belongs to another user; remove it and a new key is made")
    }
    guard info.st_mode & 0o077 == 0 else {
      throw .invalidConfiguration(
        "refusing \(path): the embedded emulator's key must be readable by its owner only, and this file has mode \(String(info.st_mode & 0o777, radix: 8)); run: chmod 600 \(path)"
      )
    }
    var bytes = [UInt8](repeating: 0, count: 512)
    let count = Glibc.read(fd, &bytes, bytes.count)
    guard count >= 0 else { throw .file("cannot read \(path): \(errorText())") }
    let key = String(decoding: bytes.prefix(count), as: UTF8.self).trimmingWhitespace()
    guard key.count >= Redactor.minimumLength else {
      throw .invalidConfiguration("\(path) holds no usable key; remove it and a new key is made")
    }
    return key
  }

  /// 32 random bytes from the system's generator (getrandom), as hex.
  static func newKey() -> String {
    var generator = SystemRandomNumberGenerator()
    return (0..<32).map { _ in
      let byte = UInt8.random(in: 0...255, using: &generator)
      return String(byte >> 4, radix: 16) + String(byte & 0xF, radix: 16)
    }.joined()
  }

  /// `mkdir -p`, owner-only for the directories it makes.
  private static func makeDirectory(_ directory: String) throws(FalClientError) {
    var prefix = directory.hasPrefix("/") ? "" : "."
    for component in directory.split(separator: "/") {
      prefix += "/" + component
      if mkdir(prefix, 0o700) != 0, errno != EEXIST {
        throw .file("cannot create \(prefix): \(errorText())")
      }
    }
  }

  private static func errorText() -> String { String(cString: strerror(errno)) }
}
