import FlyingFox
import Foundation

/// Downloads of stored files, like a CDN: no auth, the stored `Content-Type`, and byte ranges so
/// interrupted downloads resume.
extension Router {
  /// - Parameter cutAfter: the ``Fault/cutBody(afterBytes:)`` fault: the body breaks off after
  ///   this many bytes.
  func serveFile(_ request: HTTPRequest, key: String, head: Bool, cutAfter: Int? = nil) async -> HTTPResponse {
    guard let file = await storage.file(key: key) else {
      return Responses.notFound("File not found")
    }
    var headers: HTTPHeaders = [
      .contentType: file.contentType, .acceptRanges: "bytes",
      .contentDisposition: "inline; filename=\"\(file.fileName)\"",
    ]
    let range = ByteRange.parse(request.headers[.range], size: file.size)
    var status = 200
    var bytes = 0..<file.size
    switch range {
    case .unsatisfiable:
      headers[.contentRange] = "bytes */\(file.size)"
      headers[.contentType] = "text/plain"
      return HTTPResponse(statusCode: Responses.code(416), headers: headers, body: Data())
    case .satisfiable(let requested):
      status = 206
      bytes = requested
      headers[.contentRange] = "bytes \(requested.lowerBound)-\(requested.upperBound - 1)/\(file.size)"
    case .none:
      break
    }
    if head {
      headers[.contentLength] = String(bytes.count)
      return HTTPResponse(statusCode: Responses.code(status), headers: headers, body: Data())
    }
    do {
      if let cutAfter {
        let handle = try FileHandle(forReadingFrom: file.path)
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(bytes.lowerBound))
        let prefix = try handle.read(upToCount: min(cutAfter, bytes.count)) ?? Data()
        let body = HTTPBodySequence(from: BrokenBody(bytes: [UInt8](prefix)), count: bytes.count)
        return HTTPResponse(statusCode: Responses.code(status), headers: headers, body: body)
      }
      let body = try HTTPBodySequence(file: file.path, range: bytes, suggestedBufferSize: 64 * 1024)
      return HTTPResponse(statusCode: Responses.code(status), headers: headers, body: body)
    } catch {
      return Responses.detail(500, "Cannot read file")
    }
  }
}
