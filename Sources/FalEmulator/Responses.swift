import FalProtocol
import FlyingFox
import Foundation

/// Builders for the answers fal gives, so every JSON response carries `Content-Type:
/// application/json` and `x-fal-request-id` (JS treats anything else as text and polls forever;
/// Python decides whether to retry by that header).
enum Responses {
  static let jsonType = "application/json"

  static func json(_ status: Int, _ body: Data, requestID: String = RequestID.make(), headers extra: HTTPHeaders = [:])
    -> HTTPResponse
  {
    var headers = extra
    headers[.contentType] = jsonType
    headers[HTTPHeader(FalHeader.requestID)] = requestID
    return HTTPResponse(statusCode: code(status), headers: headers, body: body)
  }

  static func json<Value: Encodable>(
    _ status: Int, _ value: Value, requestID: String = RequestID.make(), headers: HTTPHeaders = [:]
  ) -> HTTPResponse {
    json(status, JSONCoding.encode(value), requestID: requestID, headers: headers)
  }

  /// `{"detail": "…"}` with an optional `error_type` (then also the `X-Fal-Error-Type` header).
  static func detail(_ status: Int, _ detail: String, errorType: String? = nil, requestID: String = RequestID.make())
    -> HTTPResponse
  {
    var headers: HTTPHeaders = [:]
    if let errorType { headers[HTTPHeader(FalHeader.errorType)] = errorType }
    return json(status, ErrorBody(detail: detail, errorType: errorType), requestID: requestID, headers: headers)
  }

  static let unauthorized = "No user found for Key ID and Secret"

  static func notFound(_ detail: String = "Not Found") -> HTTPResponse {
    Self.detail(404, detail)
  }

  /// An nginx-style ingress error page without `x-fal-request-id`: what the Python client retries.
  static func ingress(_ status: Int) -> HTTPResponse {
    let phrase = code(status).phrase
    let html = """
      <html>
      <head><title>\(status) \(phrase)</title></head>
      <body>
      <center><h1>\(status) \(phrase)</h1></center>
      <hr><center>nginx</center>
      </body>
      </html>

      """
    return HTTPResponse(statusCode: code(status), headers: [.contentType: "text/html"], body: Data(html.utf8))
  }

  static func code(_ status: Int) -> HTTPStatusCode {
    HTTPStatusCode(status, phrase: phrases[status] ?? "Status \(status)")
  }

  static let phrases: [Int: String] = [
    200: "OK", 202: "Accepted", 206: "Partial Content", 400: "Bad Request", 401: "Unauthorized",
    403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout", 409: "Conflict",
    416: "Range Not Satisfiable", 422: "Unprocessable Entity", 429: "Too Many Requests",
    500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
  ]

  /// Billing units as fal writes the header: no trailing zeros ("4", "2.5").
  static func formatUnits(_ units: Double) -> String {
    if units == units.rounded() { return String(Int(units)) }
    var text = String(format: "%.6f", units)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text
  }
}
