import FalProtocol
import FlyingFox
import FlyingSocks
import Foundation

/// POSTs fal's webhook payload to a request's `fal_webhook` when it completes (unsigned).
///
/// Delivery uses FlyingFox's client, which speaks plain HTTP to an IPv4 address: webhook targets
/// must be `http://<IPv4 or localhost>[:port]/…` (a local receiver in tests). Failed deliveries are
/// retried a few times with a short backoff, like fal's (shortened) retry policy.
struct WebhookSender: Sendable {
  var attempts = 3
  var backoff: Duration = .milliseconds(200)

  func deliver(_ job: Job) async {
    guard let target = job.webhookURL, let url = URL(string: target), url.scheme == "http", let host = url.host
    else { return }
    let ip = host == "localhost" ? "127.0.0.1" : host
    let port = UInt16(url.port ?? 80)
    guard let address = try? sockaddr_in.inet(ip4: ip, port: port) else { return }
    let payload = Self.payload(for: job)
    for attempt in 0..<attempts {
      var request = HTTPRequest(
        method: .POST, version: .http11, path: url.path.isEmpty ? "/" : url.path,
        query: URLComponents(string: target)?.queryItems?.map { .init(name: $0.name, value: $0.value ?? "") } ?? [],
        headers: [
          .contentType: "application/json", .host: "\(host):\(port)", .connection: "close",
        ],
        body: JSONCoding.encode(payload))
      request.headers[HTTPHeader("X-Fal-Webhook-Request-Id")] = job.id
      var client = HTTPClient()
      if let response = try? await client.sendHTTPRequest(request, to: address),
        (200..<300).contains(response.statusCode.code)
      {
        return
      }
      try? await Task.sleep(for: backoff * (attempt + 1))
    }
  }

  static func payload(for job: Job) -> WebhookPayload {
    switch job.outcome {
    case .success(let output, _)?:
      return WebhookPayload(
        requestID: job.id, gatewayRequestID: job.id, status: "OK",
        payload: JSONCoding.decode(JSONValue.self, from: output), error: nil)
    case .failure(let failure)?:
      return WebhookPayload(
        requestID: job.id, gatewayRequestID: job.id, status: "ERROR",
        payload: JSONCoding.decode(JSONValue.self, from: failure.body), error: failure.message)
    case nil:
      return WebhookPayload(
        requestID: job.id, gatewayRequestID: job.id, status: "ERROR", payload: nil, error: "not finished")
    }
  }
}
