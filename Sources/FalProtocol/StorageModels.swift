/// Body of `POST /storage/upload/initiate` (and `initiate-multipart`).
public struct UploadInitiateRequest: Sendable, Codable, Hashable {
  public var contentType: String
  public var fileName: String

  public init(contentType: String, fileName: String) {
    self.contentType = contentType
    self.fileName = fileName
  }

  enum CodingKeys: String, CodingKey {
    case contentType = "content_type"
    case fileName = "file_name"
  }
}

/// Answer of the initiate calls: where to PUT the bytes, and the URL the file will have.
public struct UploadInitiateResponse: Sendable, Codable, Hashable {
  public var uploadURL: String
  public var fileURL: String

  public init(uploadURL: String, fileURL: String) {
    self.uploadURL = uploadURL
    self.fileURL = fileURL
  }

  enum CodingKeys: String, CodingKey {
    case uploadURL = "upload_url"
    case fileURL = "file_url"
  }
}

/// Answer of `POST /storage/auth/token`: a short-lived token for the CDN's direct upload.
public struct CDNToken: Sendable, Codable, Hashable {
  public var token: String
  public var tokenType: String
  public var baseURL: String
  /// ISO-8601 with an explicit `+00:00` offset (Python's `fromisoformat` needs one).
  public var expiresAt: String

  public init(token: String, tokenType: String, baseURL: String, expiresAt: String) {
    self.token = token
    self.tokenType = tokenType
    self.baseURL = baseURL
    self.expiresAt = expiresAt
  }

  enum CodingKeys: String, CodingKey {
    case token
    case tokenType = "token_type"
    case baseURL = "base_url"
    case expiresAt = "expires_at"
  }
}

/// One finished part of a multipart upload.
public struct UploadedPart: Sendable, Codable, Hashable {
  public var partNumber: Int
  public var etag: String

  public init(partNumber: Int, etag: String) {
    self.partNumber = partNumber
    self.etag = etag
  }
}

/// Body of a multipart `complete` call.
public struct MultipartComplete: Sendable, Codable, Hashable {
  public var parts: [UploadedPart]
  public init(parts: [UploadedPart]) { self.parts = parts }
}

/// fal's error body for everything but validation: `{"detail": "...", "error_type": "..."}`.
public struct ErrorBody: Sendable, Codable, Hashable {
  public var detail: String
  public var errorType: String?

  public init(detail: String, errorType: String? = nil) {
    self.detail = detail
    self.errorType = errorType
  }

  enum CodingKeys: String, CodingKey {
    case detail
    case errorType = "error_type"
  }
}

/// The JSON fal POSTs to a request's `fal_webhook` when it finishes.
public struct WebhookPayload: Sendable, Codable, Hashable {
  public var requestID: String
  public var gatewayRequestID: String
  /// `OK` or `ERROR`.
  public var status: String
  public var payload: JSONValue?
  public var error: String?

  public init(requestID: String, gatewayRequestID: String, status: String, payload: JSONValue?, error: String?) {
    self.requestID = requestID
    self.gatewayRequestID = gatewayRequestID
    self.status = status
    self.payload = payload
    self.error = error
  }

  enum CodingKeys: String, CodingKey {
    case requestID = "request_id"
    case gatewayRequestID = "gateway_request_id"
    case status, payload, error
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(requestID, forKey: .requestID)
    try container.encode(gatewayRequestID, forKey: .gatewayRequestID)
    try container.encode(status, forKey: .status)
    try container.encode(payload ?? .null, forKey: .payload)
    if let error { try container.encode(error, forKey: .error) } else { try container.encodeNil(forKey: .error) }
  }
}

/// Header names fal uses, lower-cased.
public enum FalHeader {
  public static let requestID = "x-fal-request-id"
  public static let billableUnits = "x-fal-billable-units"
  public static let errorType = "x-fal-error-type"
  public static let requestTimeout = "x-fal-request-timeout"
  public static let requestTimeoutType = "x-fal-request-timeout-type"
  public static let queuePriority = "x-fal-queue-priority"
  public static let fileName = "x-fal-file-name"
  public static let retryAfter = "retry-after"
}
