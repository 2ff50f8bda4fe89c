/// The calls a runtime fault rule can aim at (`POST /_emulator/faults`), finer than ``RouteKind``:
/// the storage calls a client makes in one upload are told apart, so a test can break the CDN
/// token while the upload itself works, or the CDN upload while its fallback works.
public enum FaultTarget: String, Sendable, CaseIterable, Hashable, Codable {
  case submit
  /// A synchronous run on a run host (`fal.run`).
  case run
  case status
  case stream
  case result
  case cancel
  /// `POST /storage/upload/initiate[-multipart]`.
  case uploadInitiate = "upload_initiate"
  /// The signed-URL PUTs (and multipart parts and complete) that follow an initiate.
  case uploadPut = "upload_put"
  /// `POST /storage/auth/token`.
  case cdnToken = "cdn_token"
  /// The CDN's `/files/upload`, its multipart create, parts and complete.
  case cdnUpload = "cdn_upload"
  /// GET or HEAD of a stored file.
  case file
}
