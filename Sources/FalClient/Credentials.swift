import FalProtocol

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

/// A fal API key, kept out of every description so that it cannot leak into output, logs or errors.
public struct Credentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
  private let secret: String
  /// Where the key came from, so that a refusal can name the place to fix (never the key itself).
  public let source: Source

  public init(key: String, source: Source = .given) {
    secret = key.trimmingWhitespace()
    self.source = source
  }

  /// A stand-in for servers that accept any key (a standalone emulator): nothing secret in it.
  public static let placeholder = Credentials(key: "offline", source: .placeholder)

  /// The `Authorization` header value; the only way to read the key.
  public var authorizationHeader: String { "Key \(secret)" }

  public var description: String { "Key <redacted>" }
  public var debugDescription: String { description }

  /// Removes the key, and each half of an `id:secret` key, from anything a server sent back.
  public var redactor: Redactor {
    if source == .placeholder { return .none }
    var pieces = [secret]
    let halves = secret.split(separator: ":", maxSplits: 1).map(String.init)
    if halves.count == 2 { pieces += halves }
    return Redactor(secrets: pieces)
  }

  /// Removes every occurrence of the key (and of its two halves) from `text`.
  public func redact(_ text: String) -> String {
    redactor.redact(text)
  }

  /// Where a key was found, for messages that say which source is used (never the key itself).
  public enum Source: Sendable, Hashable, CustomStringConvertible {
    case environment(String)
    case file(String)
    /// Handed over by the program (tests, benchmarks).
    case given
    /// Not a key: see ``Credentials/placeholder``.
    case placeholder

    public var description: String {
      switch self {
      case .environment(let name): "environment variable \(name)"
      case .file(let path): path
      case .given: "the key given"
      case .placeholder: "no key"
      }
    }

    /// What to check when the server refuses the key, naming where it came from.
    public var refusalHint: String {
      switch self {
      case .environment(let name): "check \(name)"
      case .file(let path): "check the key in \(path)"
      case .given: "check the API key"
      case .placeholder: "this server wants a key: set FAL_KEY"
      }
    }
  }

  /// Finds the key: `FAL_KEY`, else `FAL_KEY_ID` + `FAL_KEY_SECRET`, else the credentials file.
  ///
  /// The file is `$XDG_CONFIG_HOME/magi-studio/credentials` (one line: the key, or `FAL_KEY=<key>`).
  /// It must be a regular file readable by its owner only (mode 0600 or stricter): a key in a file
  /// others can read is refused, with the reason, rather than silently used.
  /// - Returns: nil when no source has a key (the studio then runs on its emulator).
  public static func resolve(
    environment: [String: String], configDirectory: String
  ) throws(FalClientError) -> Credentials? {
    if let key = environment["FAL_KEY"], !key.trimmingWhitespace().isEmpty {
      return Credentials(key: key, source: .environment("FAL_KEY"))
    }
    if let id = environment["FAL_KEY_ID"], let secret = environment["FAL_KEY_SECRET"], !id.isEmpty, !secret.isEmpty {
      return Credentials(key: "\(id):\(secret)", source: .environment("FAL_KEY_ID/FAL_KEY_SECRET"))
    }
    let path = configDirectory + "/credentials"
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    guard info.st_mode & S_IFMT == S_IFREG else {
      let kind = info.st_mode & S_IFMT == S_IFDIR ? "a directory" : "not a regular file"
      throw .invalidConfiguration(
        "\(path) is \(kind); the credentials file must be a file holding one line, the API key")
    }
    if info.st_mode & 0o077 != 0 {
      throw .invalidConfiguration(
        "refusing \(path): a credentials file must be readable by its owner only, and this one has mode \(String(info.st_mode & 0o777, radix: 8)); run: chmod 600 \(path)"
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
      if !line.isEmpty { return Credentials(key: line, source: .file(path)) }
    }
    throw .invalidConfiguration("\(path) holds no key")
  }

  /// `environment` without the variables that carry a key, for the programs the studio starts.
  public static func scrubbed(_ environment: [String: String]) -> [String: String] {
    environment.filter { !$0.key.hasPrefix("FAL_KEY") }
  }
}
