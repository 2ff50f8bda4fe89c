import FalProtocol
import Synchronization

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Sizes that shape an upload.
public struct UploadLimits: Sendable, Hashable {
  /// Files larger than this go to the CDN in parts (fal's Python client: 100 MiB).
  public var multipartThreshold: Int64
  /// The size of each part but the last (fal's clients: 10 MiB).
  public var partSize: Int64

  public init(multipartThreshold: Int64 = 100 << 20, partSize: Int64 = 10 << 20) {
    self.multipartThreshold = multipartThreshold
    self.partSize = max(1, partSize)
  }
}

extension FalQueueClient {
  /// Uploads a local file and returns the URL that model inputs can use.
  ///
  /// As fal's Python client does: first the v3 CDN (a short-lived token from the REST host, then
  /// the bytes straight to the CDN, in parts above ``UploadLimits/multipartThreshold``); when the
  /// CDN fails, fal's storage (`initiate`, then one PUT to the signed URL it names). The file is
  /// read from disk as it is sent, so its size does not matter to memory. The API key goes only
  /// to the REST host: the CDN gets its token, the signed URL nothing.
  public func upload(
    file path: String, contentType: String? = nil, fileName: String? = nil,
    progress: (@Sendable (TransferProgress) -> Void)? = nil
  ) async throws(FalClientError) -> String {
    let size = try LocalFile.readableSize(path)
    let name = fileName ?? LocalFile.lastComponent(path)
    let type = contentType ?? MediaType.guess(fromFileName: name)
    let cdnFailure: FalClientError
    do {
      let url = try await uploadToCDN(path: path, size: size, name: name, type: type, progress: progress)
      return url
    } catch {
      switch error {
      case .cancelled, .file, .local: throw error
      default: cdnFailure = error
      }
    }
    trace?("CDN upload of \(name) failed (\(cdnFailure.description)); falling back to fal storage (initiate + PUT)")
    do {
      let url = try await uploadThroughStorage(path: path, size: size, name: name, type: type, progress: progress)
      trace?("uploaded \(name) (\(size) bytes) through fal storage")
      return url
    } catch {
      // Both ways failed: the user hears of the first too, whatever else they asked to see.
      let first = "; the CDN upload failed first: \(cdnFailure.description)"
      switch error {
      case .server(let status, let detail, let type):
        throw .server(status: status, detail: detail + first, errorType: type)
      case .transport(let failure): throw .transport(TransportError(failure.kind, failure.message + first))
      case .malformedResponse(let detail): throw .malformedResponse(detail + first)
      default: throw error
      }
    }
  }

  // MARK: - CDN v3

  private func uploadToCDN(
    path: String, size: Int64, name: String, type: String, progress: (@Sendable (TransferProgress) -> Void)?
  ) async throws(FalClientError) -> String {
    let token = try await cdnToken()
    var headers = HTTPHeaders()
    // The CDN's own token, never the API key.
    headers.add("Authorization", "\(token.tokenType) \(token.token)")
    headers.add("Content-Type", type)
    headers.add("Accept", "application/json")
    headers.add("User-Agent", userAgent)
    headers.add(FalHeader.fileName, PercentEncoding.encodeQueryValue(name))
    if size > uploadLimits.multipartThreshold {
      return try await uploadInParts(
        path: path, size: size, name: name, headers: headers, progress: progress)
    }
    trace?("uploading \(name) (\(size) bytes) to fal's CDN")
    let request = HTTPRequest(
      method: .post, url: "\(endpoints.cdn)/files/upload", headers: headers,
      body: .file(path: path, offset: 0, length: size), timeouts: Self.uploadTimeouts, progress: progress)
    let answer = try decode(
      CDNUploadAnswer.self, from: try await send(request, safety: .idempotent), call: "CDN upload")
    return answer.accessURL
  }

  /// `POST {cdn}/files/upload/multipart`, the parts one after another (each streamed from its
  /// place in the file, its ETag kept), then `complete`.
  private func uploadInParts(
    path: String, size: Int64, name: String, headers: HTTPHeaders,
    progress: (@Sendable (TransferProgress) -> Void)?
  ) async throws(FalClientError) -> String {
    let partSize = uploadLimits.partSize
    let count = Int((size + partSize - 1) / partSize)
    trace?("uploading \(name) (\(size) bytes) to fal's CDN in \(count) parts")
    let create = HTTPRequest(method: .post, url: "\(endpoints.cdn)/files/upload/multipart", headers: headers)
    let upload = try decode(
      CDNMultipartAnswer.self, from: try await send(create, safety: .idempotent), call: "CDN multipart create")
    guard let target = CDNMultipartAnswer.partBase(upload.accessURL, uploadID: upload.uploadID) else {
      throw .malformedResponse("CDN multipart create answered an access_url that is not http(s)")
    }
    var parts: [UploadedPart] = []
    var partHeaders = headers
    partHeaders.set("Accept-Encoding", "identity")
    for number in 1...count {
      let offset = Int64(number - 1) * partSize
      let length = min(partSize, size - offset)
      let partProgress = progress.map { report in
        { @Sendable (part: TransferProgress) in
          report(TransferProgress(uploaded: offset + part.uploaded, uploadTotal: size))
        }
      }
      let put = HTTPRequest(
        method: .put, url: "\(target)/\(number)", headers: partHeaders,
        body: .file(path: path, offset: offset, length: length), timeouts: Self.uploadTimeouts, progress: partProgress)
      let answer = try await send(put, safety: .idempotent)
      guard let etag = answer.headers["ETag"], !etag.isEmpty else {
        throw .malformedResponse("CDN part \(number) was answered without an ETag")
      }
      parts.append(UploadedPart(partNumber: number, etag: etag))
    }
    var completeHeaders = headers
    completeHeaders.set("Content-Type", "application/json")
    let complete = HTTPRequest(
      method: .post, url: "\(target)/complete", headers: completeHeaders,
      body: .data(Self.encode(MultipartComplete(parts: parts))))
    _ = try await send(complete, safety: .idempotent)
    return upload.accessURL
  }

  /// The CDN token, fetched from the REST host (with the key) when none is held or it expires
  /// within a minute.
  private func cdnToken() async throws(FalClientError) -> CDNToken {
    if let held = cdnTokens.current(now: Date()) { return held }
    let request = HTTPRequest(
      method: .post, url: "\(endpoints.rest)/storage/auth/token?storage_type=fal-cdn-v3",
      headers: headers(json: true), body: .data(Data("{}".utf8)))
    let token = try decode(CDNToken.self, from: try await send(request, safety: .idempotent), call: "CDN token")
    cdnTokens.keep(token)
    return token
  }

  // MARK: - Storage initiate (the fallback)

  private func uploadThroughStorage(
    path: String, size: Int64, name: String, type: String, progress: (@Sendable (TransferProgress) -> Void)?
  ) async throws(FalClientError) -> String {
    let initiate = HTTPRequest(
      method: .post, url: "\(endpoints.rest)/storage/upload/initiate?storage_type=gcs",
      headers: headers(json: true),
      body: .data(Self.encode(UploadInitiateRequest(contentType: type, fileName: name))))
    let target = try decode(
      UploadInitiateResponse.self, from: try await send(initiate, safety: .idempotent), call: "upload initiate")
    var headers = HTTPHeaders()
    headers.add("Content-Type", type)
    headers.add("User-Agent", userAgent)
    let put = HTTPRequest(
      method: .put, url: target.uploadURL, headers: headers, body: .file(path: path, offset: 0, length: size),
      timeouts: Self.uploadTimeouts, progress: progress)
    _ = try await send(put, safety: .idempotent)
    return target.fileURL
  }

  /// Whether a file fal stored earlier still answers at `url` (a HEAD, no key: file URLs are
  /// public): the check an upload reuse makes when it cannot be sure the URL is still valid.
  public func fileIsAvailable(_ url: String) async -> Bool {
    let lower = url.lowercased()
    guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else { return false }
    var headers = HTTPHeaders()
    headers.add("User-Agent", userAgent)
    let request = HTTPRequest(
      method: .head, url: url, headers: headers, timeouts: HTTPTimeouts(connect: .seconds(10), idle: .seconds(20)))
    guard let response = try? await transport.execute(request, sink: .memory(limit: 1 << 16)) else { return false }
    return response.isSuccess
  }

  static let uploadTimeouts = HTTPTimeouts(connect: .seconds(10), idle: .seconds(60), total: nil)
}

/// The CDN upload token, kept while it is valid.
final class CDNTokenStore: Sendable {
  private let held = Mutex<(token: CDNToken, expires: Date)?>(nil)

  func current(now: Date) -> CDNToken? {
    held.withLock { held in
      guard let held, held.expires.timeIntervalSince(now) > 60 else { return nil }
      return held.token
    }
  }

  /// Keeps `token` until its `expires_at`; one whose expiry cannot be read is used once.
  func keep(_ token: CDNToken) {
    guard let expires = try? Date(token.expiresAt, strategy: .iso8601) else { return }
    held.withLock { $0 = (token, expires) }
  }
}

/// `{"access_url": …}`: the CDN's answer to an upload or a multipart `complete`.
struct CDNUploadAnswer: Decodable {
  var accessURL: String
  enum CodingKeys: String, CodingKey { case accessURL = "access_url" }
}

/// `{"access_url", "uploadId"}`: a CDN multipart upload begun.
struct CDNMultipartAnswer: Decodable {
  var accessURL: String
  var uploadID: String
  enum CodingKeys: String, CodingKey {
    case accessURL = "access_url"
    case uploadID = "uploadId"
  }

  /// `{access_url}/multipart/{uploadId}`, where parts and `complete` go.
  static func partBase(_ accessURL: String, uploadID: String) -> String? {
    let lower = accessURL.lowercased()
    guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else { return nil }
    return "\(accessURL)/multipart/\(PercentEncoding.encodePathSegment(uploadID))"
  }
}
