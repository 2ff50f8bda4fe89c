import Foundation

/// A finished file in the emulator's storage: an upload or a generated video.
struct StoredFile: Sendable, Hashable {
  /// The random directory name in the URL (`/files/<key>/<name>`), like fal's CDN paths.
  let key: String
  let fileName: String
  let contentType: String
  let path: URL
  let size: Int
  /// When it was stored: files no request refers to are pruned once old.
  let createdAt: Date

  /// What is written beside a persisted file, so a restarted twin serves it as before.
  struct Metadata: Codable {
    var fileName: String
    var contentType: String
    var size: Int
    var createdAt: Date
  }

  var metadata: Metadata {
    Metadata(fileName: fileName, contentType: contentType, size: size, createdAt: createdAt)
  }

  /// The URL path clients GET it from.
  var urlPath: String {
    "/files/\(key)/\(StorageService.percentEncode(fileName))"
  }
}

/// An upload that was initiated but whose bytes have not all arrived.
struct PendingUpload: Sendable, Hashable {
  let token: String
  let key: String
  let fileName: String
  var contentType: String?
  let multipart: Bool
  /// Part number → ETag of every part received so far.
  var parts: [Int: String] = [:]
}
