import Foundation

/// A finished file in the emulator's storage: an upload or a generated video.
struct StoredFile: Sendable, Hashable {
  /// The random directory name in the URL (`/files/<key>/<name>`), like fal's CDN paths.
  let key: String
  let fileName: String
  let contentType: String
  let path: URL
  let size: Int

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
