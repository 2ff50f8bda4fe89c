import FalProtocol

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// The one seam between the fal client and the network.
///
/// The client holds all protocol logic (URLs, retries, parsing); a transport only moves bytes. The
/// production transport is libcurl's multi interface on one thread (`CurlTransport`); tests may use
/// any other conformer.
public protocol HTTPTransport: Sendable {
  /// Performs one HTTP exchange.
  ///
  /// The `sink` receives the body of a 2xx response only; the body of any other response is returned
  /// in memory (capped at 1 MiB) in ``HTTPResponse/body`` so that errors can always be read.
  /// Cancelling the calling task aborts the transfer and throws ``TransportError`` `.cancelled`.
  func execute(_ request: HTTPRequest, sink: HTTPResponseSink) async throws(TransportError) -> HTTPResponse
}

extension HTTPTransport {
  /// Performs an exchange whose body is collected in memory.
  public func execute(_ request: HTTPRequest, limit: Int = 64 << 20) async throws(TransportError) -> HTTPResponse {
    try await execute(request, sink: .memory(limit: limit))
  }
}

public enum HTTPMethod: String, Sendable, Hashable {
  case get = "GET"
  case post = "POST"
  case put = "PUT"
  case delete = "DELETE"
  case head = "HEAD"
}

/// Header fields in order, with case-insensitive lookup.
///
/// Its descriptions (`"\(headers)"`, `String(reflecting:)`, `dump`) show credential-bearing fields as
/// `<redacted>`: a request logged while debugging must not put the key in the log.
public struct HTTPHeaders: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral, CustomStringConvertible,
  CustomDebugStringConvertible, CustomReflectable
{
  /// Fields whose values are credentials, compared without case.
  public static let sensitiveNames: Set<String> = ["authorization", "proxy-authorization", "cookie", "set-cookie"]
  public private(set) var fields: [(name: String, value: String)] = []

  public init() {}
  public init(dictionaryLiteral elements: (String, String)...) {
    for (name, value) in elements { add(name, value) }
  }

  public mutating func add(_ name: String, _ value: String) { fields.append((name, value)) }

  /// Replaces every field of that name with one.
  public mutating func set(_ name: String, _ value: String) {
    remove(name)
    add(name, value)
  }

  public mutating func remove(_ name: String) {
    fields.removeAll { $0.name.lowercased() == name.lowercased() }
  }

  /// The first value of the field, compared without case.
  public subscript(name: String) -> String? {
    let lower = name.lowercased()
    return fields.first { $0.name.lowercased() == lower }?.value
  }

  public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }

  /// The fields as they may be shown: credential-bearing values replaced.
  public var redactedFields: [(name: String, value: String)] {
    fields.map { (name: $0.name, value: Self.sensitiveNames.contains($0.name.lowercased()) ? Redactor.mark : $0.value) }
  }

  public var description: String {
    "[" + redactedFields.map { "\($0.name): \($0.value)" }.joined(separator: ", ") + "]"
  }

  public var debugDescription: String { "HTTPHeaders" + description }

  public var customMirror: Mirror {
    Mirror(self, children: redactedFields.map { (label: $0.name, value: $0.value as Any) }, displayStyle: .collection)
  }

  public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
    lhs.fields.map { "\($0.name.lowercased()):\($0.value)" } == rhs.fields.map { "\($0.name.lowercased()):\($0.value)" }
  }

  public func hash(into hasher: inout Hasher) {
    for field in fields {
      hasher.combine(field.name.lowercased())
      hasher.combine(field.value)
    }
  }
}

/// What to send as the request body.
public enum HTTPRequestBody: Sendable, Hashable {
  case none
  case data(Data)
  /// Streamed from disk as it is sent: a 500 MB upload never sits in memory.
  case file(path: String, offset: Int64 = 0, length: Int64? = nil)
}

/// Where the body of a 2xx response goes.
public enum HTTPResponseSink: Sendable {
  /// Collected in ``HTTPResponse/body``; more than `limit` bytes fails with `.bodyTooLarge`.
  case memory(limit: Int)
  /// Written to `path` as it arrives. With `append`, the bytes of a 206 go where its
  /// `Content-Range` says (after the existing content without one), cutting whatever an earlier
  /// attempt left past that point, so a retried `Range` request never writes a byte twice; a 200
  /// (the server ignored a `Range`) truncates the file first. The `observer` sees every byte
  /// written, in order, on the transport's thread.
  case file(path: String, append: Bool, observer: FileSinkObserver? = nil)
  /// Handed over chunk by chunk, on the transport's thread, in order (server-sent events).
  case stream(@Sendable (Data) -> Void)
}

/// Sees the bytes a `.file` sink writes, just after they are written: `offset` is where they went
/// in the file. A retried or restarted download writes again from an earlier offset (the `Range`
/// start, or 0 after a 200), which is how an observer that hashes knows to start over from there.
/// Called on the transport's thread: it must be quick and must not block.
public typealias FileSinkObserver = @Sendable (_ offset: Int64, _ bytes: UnsafeRawBufferPointer) -> Void

/// Limits on one exchange.
public struct HTTPTimeouts: Sendable, Hashable {
  /// Time allowed to establish the connection.
  public var connect: Duration
  /// The transfer fails when no byte moves for this long (streams send keep-alives every 15 s).
  public var idle: Duration?
  /// Hard limit on the whole exchange; nil for none (long streams, big files).
  public var total: Duration?

  public init(connect: Duration = .seconds(10), idle: Duration? = .seconds(60), total: Duration? = nil) {
    self.connect = connect
    self.idle = idle
    self.total = total
  }
}

/// One exchange to perform. Its descriptions show the headers redacted (see ``HTTPHeaders``) and
/// the body by size only.
public struct HTTPRequest: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
  public var method: HTTPMethod
  /// Absolute `http` or `https` URL.
  public var url: String
  public var headers: HTTPHeaders
  public var body: HTTPRequestBody
  public var timeouts: HTTPTimeouts
  /// Called on the transport's thread as bytes move (at most a few times a second).
  public var progress: (@Sendable (TransferProgress) -> Void)?
  /// Most bytes a `.file` sink's file may hold after a 2xx response (an appended 206 counts the
  /// bytes already there); one byte more ends the transfer with `.bodyTooLarge`, so a server that
  /// sends without end cannot fill the disk. nil: no limit.
  public var fileLimit: Int64?
  /// Whether the request may go out twice with no harm (a read, a cancel). When false (a submit,
  /// which creates a billed job) a transport must never send it again on its own: no silent resend
  /// on a fresh connection after a reused one died. Defaults to HTTP's meaning of the method.
  public var isIdempotent: Bool

  public init(
    method: HTTPMethod, url: String, headers: HTTPHeaders = HTTPHeaders(), body: HTTPRequestBody = .none,
    timeouts: HTTPTimeouts = HTTPTimeouts(), progress: (@Sendable (TransferProgress) -> Void)? = nil,
    isIdempotent: Bool? = nil
  ) {
    self.method = method
    self.url = url
    self.headers = headers
    self.body = body
    self.timeouts = timeouts
    self.progress = progress
    self.isIdempotent = isIdempotent ?? (method != .post)
  }

  private var bodySummary: String {
    switch body {
    case .none: "no body"
    case .data(let data): "\(data.count)-byte body"
    case .file(let path, _, _): "body from \(path)"
    }
  }

  public var description: String { "\(method.rawValue) \(url) \(headers) \(bodySummary)" }

  public var debugDescription: String { "HTTPRequest(\(description))" }

  public var customMirror: Mirror {
    Mirror(
      self,
      children: [
        "method": method.rawValue, "url": url, "headers": headers, "body": bodySummary,
        "timeouts": timeouts,
      ], displayStyle: .struct)
  }
}

public struct HTTPResponse: Sendable, Hashable {
  public var status: Int
  public var headers: HTTPHeaders
  /// The body for `.memory` sinks and for every non-2xx response; empty otherwise.
  public var body: Data

  public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: Data = Data()) {
    self.status = status
    self.headers = headers
    self.body = body
  }

  public var isSuccess: Bool { (200..<300).contains(status) }
}

/// Why an exchange produced no HTTP response.
public struct TransportError: Error, Sendable, Hashable, CustomStringConvertible {
  public enum Kind: String, Sendable, Hashable {
    /// Nothing listened, or the host could not be resolved: the server never saw the request.
    case cannotConnect
    /// Connecting, or waiting for bytes, took longer than allowed.
    case timedOut
    /// The connection broke after the request was (maybe) sent: the server may have acted on it.
    case connectionLost
    case tls
    case cancelled
    /// A `.memory` sink got more than its limit.
    case bodyTooLarge
    /// The request body file could not be read or the sink file written.
    case file
    case invalidRequest
    case other
  }

  public var kind: Kind
  /// Human-readable detail (libcurl's message, an errno text); never contains credentials.
  public var message: String

  public init(_ kind: Kind, _ message: String) {
    self.kind = kind
    self.message = message
  }

  /// True when the server cannot have received the request, so even a non-idempotent call may be retried.
  public var requestNeverSent: Bool { kind == .cannotConnect }

  public var description: String { message }
}
