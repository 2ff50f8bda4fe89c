#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FalProtocol

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A fal API key, kept out of every description so that it cannot leak into output, logs or errors.
public struct Credentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
  private let secret: String

  public init(key: String) {
    secret = key.trimmingWhitespace()
  }

  /// The `Authorization` header value; the only way to read the key.
  public var authorizationHeader: String { "Key \(secret)" }

  public var description: String { "Key <redacted>" }
  public var debugDescription: String { description }

  /// Removes every occurrence of the key (and of its two halves) from `text`.
  public func redact(_ text: String) -> String {
    var result = text
    var pieces = [secret]
    let halves = secret.split(separator: ":", maxSplits: 1).map(String.init)
    if halves.count == 2 { pieces += halves.filter { $0.count >= 6 } }
    for piece in pieces where !piece.isEmpty {
      result = result.replacing(piece, with: "<redacted>")
    }
    return result
  }

  /// Where a key was found, for messages that say which source is used (never the key itself).
  public enum Source: Sendable, Hashable, CustomStringConvertible {
    case environment(String)
    case file(String)

    public var description: String {
      switch self {
      case .environment(let name): "environment variable \(name)"
      case .file(let path): path
      }
    }
  }

  /// Finds the key: `FAL_KEY`, else `FAL_KEY_ID` + `FAL_KEY_SECRET`, else the credentials file.
  ///
  /// The file is `$XDG_CONFIG_HOME/magi-studio/credentials` (one line: the key, or `FAL_KEY=<key>`).
  /// It must be readable by its owner only (mode 0600 or stricter): a key in a file others can read
  /// is refused, with the reason, rather than silently used.
  /// - Returns: nil when no source has a key (the studio then runs on its emulator).
  public static func resolve(
    environment: [String: String], configDirectory: String
  ) throws(FalClientError) -> (Credentials, Source)? {
    if let key = environment["FAL_KEY"], !key.trimmingWhitespace().isEmpty {
      return (Credentials(key: key), .environment("FAL_KEY"))
    }
    if let id = environment["FAL_KEY_ID"], let secret = environment["FAL_KEY_SECRET"], !id.isEmpty, !secret.isEmpty {
      return (Credentials(key: "\(id):\(secret)"), .environment("FAL_KEY_ID/FAL_KEY_SECRET"))
    }
    let path = configDirectory + "/credentials"
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    if info.st_mode & 0o077 != 0 {
      throw .invalidConfiguration(
        "refusing \(path): it holds an API key but is readable by others (mode \(String(info.st_mode & 0o777, radix: 8))); run: chmod 600 \(path)"
      )
    }
    guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
      throw .invalidConfiguration("cannot read \(path)")
    }
    for rawLine in text.split(whereSeparator: \.isNewline) {
      var line = rawLine.trimmingWhitespace()
      if line.isEmpty || line.hasPrefix("#") { continue }
      if line.hasPrefix("FAL_KEY=") { line = String(line.dropFirst("FAL_KEY=".count)) }
      line = line.trimming { $0 == "\"" || $0 == "'" || $0.isWhitespace }
      if !line.isEmpty { return (Credentials(key: line), .file(path)) }
    }
    throw .invalidConfiguration("\(path) holds no key")
  }
}
