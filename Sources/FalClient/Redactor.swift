#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Removes secrets from bytes and text that came from elsewhere, before anything reads them.
///
/// A server, or a proxy in front of it, may echo the request's `Authorization` header in an error
/// body, a log line or a header. The client runs every response through one redactor built from its
/// credentials, so no later layer (messages, the history, the screen) can show what it never got.
public struct Redactor: Sendable, Hashable {
  /// What replaces each secret.
  public static let mark = "<redacted>"

  /// Secrets shorter than this are not redacted: no real key is that short, and removing every
  /// occurrence of two or three characters would garble every text (and break JSON).
  public static let minimumLength = 6

  /// The byte patterns to remove, longest first so that a whole key wins over its halves.
  private let patterns: [[UInt8]]

  /// A redactor that removes nothing (for a placeholder key that guards nothing).
  public static let none = Redactor(secrets: [])

  public init(secrets: [String]) {
    var patterns: Set<[UInt8]> = []
    for secret in secrets where secret.utf8.count >= Self.minimumLength {
      patterns.insert(Array(secret.utf8))
      // The same secret as it reads inside a JSON string, when escaping changes it.
      patterns.insert(Array(Self.jsonEscaped(secret).utf8))
    }
    self.patterns = patterns.sorted { $0.count != $1.count ? $0.count > $1.count : $0.lexicographicallyPrecedes($1) }
  }

  public var isEmpty: Bool { patterns.isEmpty }

  public func redact(_ text: String) -> String {
    guard !isEmpty else { return text }
    let bytes = Array(text.utf8)
    let clean = redact(bytes: bytes)
    return clean == bytes ? text : String(decoding: clean, as: UTF8.self)
  }

  public func redact(_ data: Data) -> Data {
    guard !isEmpty, !data.isEmpty else { return data }
    let bytes = [UInt8](data)
    let clean = redact(bytes: bytes)
    return clean == bytes ? data : Data(clean)
  }

  /// Every value redacted (names are the client's own).
  public func redact(_ headers: HTTPHeaders) -> HTTPHeaders {
    guard !isEmpty else { return headers }
    var clean = HTTPHeaders()
    for field in headers { clean.add(field.name, redact(field.value)) }
    return clean
  }

  /// The response with its headers and in-memory body redacted.
  public func redact(_ response: HTTPResponse) -> HTTPResponse {
    guard !isEmpty else { return response }
    return HTTPResponse(status: response.status, headers: redact(response.headers), body: redact(response.body))
  }

  private func redact(bytes: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    var index = 0
    var copiedUpTo = 0
    let mark = Array(Self.mark.utf8)
    while index < bytes.count {
      if let match = patterns.first(where: { bytes.hasPrefix($0, at: index) }) {
        if out.isEmpty { out.reserveCapacity(bytes.count) }
        out.append(contentsOf: bytes[copiedUpTo..<index])
        out.append(contentsOf: mark)
        index += match.count
        copiedUpTo = index
      } else {
        index += 1
      }
    }
    if copiedUpTo == 0 { return bytes }
    out.append(contentsOf: bytes[copiedUpTo...])
    return out
  }

  private static func jsonEscaped(_ text: String) -> String {
    guard let data = try? JSONEncoder().encode(text), data.count >= 2 else { return text }
    return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
  }
}

extension Array where Element == UInt8 {
  fileprivate func hasPrefix(_ pattern: [UInt8], at offset: Int) -> Bool {
    guard !pattern.isEmpty, count - offset >= pattern.count, self[offset] == pattern[0] else { return false }
    var i = 1
    while i < pattern.count {
      if self[offset + i] != pattern[i] { return false }
      i += 1
    }
    return true
  }
}
