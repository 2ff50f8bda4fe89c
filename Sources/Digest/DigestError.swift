/// Why a digest cannot be made.
public enum DigestError: Error, Sendable, Hashable, CustomStringConvertible {
  /// libnettle.so.8, which computes it, could not be loaded; the text is dlopen's (or dlsym's) message.
  case libraryUnavailable(String)

  public var description: String {
    switch self {
    case .libraryUnavailable(let message): message
    }
  }
}
