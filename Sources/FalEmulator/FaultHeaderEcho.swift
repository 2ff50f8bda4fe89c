import FalProtocol
import FlyingFox
import Foundation

/// The "error bodies echo request headers" fault: what a debugging proxy or a careless server does,
/// quoting the request it refused, `Authorization` included, in its error answer.
///
/// A JSON error keeps its shape: the quote is appended to `detail` (the text clients show) and the
/// headers are added as `request_headers`; any other body gets the quote appended. Clients must
/// never print or store what comes back this way.
enum FaultHeaderEcho {
  static func apply(to response: HTTPResponse, request: HTTPRequest) async -> HTTPResponse {
    guard response.statusCode.code >= 400, let body = try? await response.bodyData else { return response }
    let fields = request.headers.map { (name: $0.key.rawValue, value: $0.value) }.sorted { $0.name < $1.name }
    let quote =
      "\(request.method.rawValue) \(request.path) with "
      + fields.map { "\($0.name): \($0.value)" }.joined(separator: "; ")
    var echoed = response
    var headers = response.headers
    headers[.contentLength] = nil
    echoed.headers = headers
    if case .object(var object)? = try? JSONValue.decode(body) {
      let detail = object["detail"]?.stringValue ?? ""
      object["detail"] = .string(detail.isEmpty ? "request was \(quote)" : "\(detail) (request was \(quote))")
      object["request_headers"] = .object(Dictionary(fields.map { ($0.name, JSONValue.string($0.value)) }) { $1 })
      echoed.payload = .httpBody(HTTPBodySequence(data: JSONValue.object(object).encoded()))
    } else {
      echoed.payload = .httpBody(HTTPBodySequence(data: body + Data("\nrequest was \(quote)\n".utf8)))
    }
    return echoed
  }
}
