#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// This machine could not create, write or move a file of its own (disk full, read-only file
/// system, a path that is not a directory): a local fault, not the network's and not the input's,
/// so a user looks at the disk instead of the connection.
public struct LocalFileError: Error, Sendable, Hashable, CustomStringConvertible {
  public enum Kind: Sendable, Hashable {
    /// The file or directory cannot be made at all (read-only, not a directory, no permission).
    case cannotCreate
    /// It exists, but reading or writing it failed (no space left, an I/O error).
    case io
  }

  public var kind: Kind
  /// The file or directory concerned.
  public var path: String
  /// The whole message, naming the path and the system's reason.
  public var message: String

  public init(_ kind: Kind, path: String, message: String) {
    self.kind = kind
    self.path = path
    self.message = message
  }

  /// "cannot <action> <path>: <strerror>", classed by the errno.
  public init(_ action: String, path: String, errno code: Int32) {
    self.init(Self.kind(of: code), path: path, message: "cannot \(action) \(path): \(String(cString: strerror(code)))")
  }

  /// Errors that mean "this place cannot hold a file" are creation failures; the rest are I/O.
  public static func kind(of code: Int32) -> Kind {
    switch code {
    case EROFS, EACCES, EPERM, ENOTDIR, ENOENT, EISDIR, EEXIST, ENAMETOOLONG, ELOOP: .cannotCreate
    default: .io
    }
  }

  public var description: String { message }
}
