import Digest

#if canImport(Glibc)
  import Glibc
#endif
#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Local files already uploaded to fal, by content: a re-run, a batch, or the same image in the
/// form again sends the URL fal gave the first time instead of the bytes.
///
/// One small JSON file in the cache directory (`uploads.json`), mapping a server and a file's
/// SHA-256 to the URL and when it was last known to be there. A URL confirmed within
/// ``trustedFor`` is used as it is; an older one is asked about first (a HEAD; fal's stored files
/// expire), and one past ``keptFor`` is forgotten. Losing the file, or a write lost to another
/// process writing at the same moment, costs one upload, never a wrong URL: entries are scoped to
/// the server that stored them (an offline twin on another port is another server).
public struct UploadCache: Sendable {
  public let path: String
  public var trustedFor: TimeInterval = 3600
  public var keptFor: TimeInterval = 7 * 86_400
  /// The most entries kept, newest first.
  public var capacity = 500

  public init(directory: String) {
    path = directory + "/uploads.json"
  }

  struct Entry: Codable, Hashable {
    var server: String
    var sha256: String
    var size: Int64
    var url: String
    /// When the URL was last known to serve the file (its upload, or a HEAD that answered).
    var confirmed: Date
  }

  /// What the cache says about a file's content on a server.
  public enum Answer: Sendable, Hashable {
    /// Confirmed recently: use it.
    case trusted(String)
    /// Known, but long enough ago that it may have expired: check it before use.
    case unsure(String)
    case unknown
  }

  public func lookup(server: String, sha256: String, size: Int64, now: Date = Date()) -> Answer {
    guard let entry = read().first(where: { $0.server == server && $0.sha256 == sha256 && $0.size == size }) else {
      return .unknown
    }
    let age = now.timeIntervalSince(entry.confirmed)
    if age < 0 || age > keptFor { return .unknown }
    return age <= trustedFor ? .trusted(entry.url) : .unsure(entry.url)
  }

  /// Notes that `url` serves the file now (after an upload, or a check that found it).
  public func remember(server: String, sha256: String, size: Int64, url: String, now: Date = Date()) {
    var entries = read().filter { !($0.server == server && $0.sha256 == sha256) }
    entries.insert(Entry(server: server, sha256: sha256, size: size, url: url, confirmed: now), at: 0)
    write(Array(entries.filter { now.timeIntervalSince($0.confirmed) <= keptFor }.prefix(capacity)))
  }

  /// Forgets a URL found gone.
  public func forget(server: String, sha256: String) {
    write(read().filter { !($0.server == server && $0.sha256 == sha256) })
  }

  private func read() -> [Entry] {
    guard let data = FileManager.default.contents(atPath: path) else { return [] }
    return (try? Self.decoder.decode([Entry].self, from: data)) ?? []
  }

  /// Written to a temporary file and renamed, so a reader sees the old list or the new one.
  private func write(_ entries: [Entry]) {
    guard let data = try? Self.encoder.encode(entries) else { return }
    let directory = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
    if !directory.isEmpty {
      try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }
    let temporary = path + ".\(getpid()).tmp"
    guard FileManager.default.createFile(atPath: temporary, contents: data) else { return }
    if rename(temporary, path) != 0 { unlink(temporary) }
  }

  private static let encoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .iso8601
    return encoder
  }()

  private static let decoder: JSONDecoder = {
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    return decoder
  }()

  /// The SHA-256 of a local file, read on a thread of its own.
  static func digest(of path: String) async -> String? {
    await IOThread.run { SHA256.hexDigest(ofFile: path) }
  }
}
