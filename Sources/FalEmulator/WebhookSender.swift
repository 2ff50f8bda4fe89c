import FalProtocol
import FlyingFox
import FlyingSocks
import Foundation

/// POSTs fal's webhook payload to a request's `fal_webhook` when it completes (unsigned).
///
/// Delivery uses FlyingFox's client, which speaks plain HTTP to an IPv4 address: webhook targets
/// must be `http://<IPv4 or localhost>[:port]/…` (a local receiver in tests). A delivery that fails
/// (no connection, or an answer other than 2xx) is retried like fal's, 10 attempts in all, with
/// a backoff that doubles from `backoff` up to `maxBackoff` (fal spreads its over two hours; the
/// twin's over about a minute and a half), waited on the emulator's clock.
struct WebhookSender: Sendable {
  var attempts = 10
  var backoff: Duration = .milliseconds(200)
  var maxBackoff: Duration = .seconds(30)
  var clock: EmulatorClock = .system

  func deliver(_ job: Job) async {
    guard let target = job.webhookURL, let url = URL(string: target), url.scheme == "http", let host = url.host
    else { return }
    let ip = host == "localhost" ? "127.0.0.1" : host
    let port = UInt16(url.port ?? 80)
    guard let address = try? sockaddr_in.inet(ip4: ip, port: port) else { return }
    // Encoded once: every attempt carries the same bytes, as fal's signed deliveries must.
    let body = JSONCoding.encode(Self.payload(for: job))
    for attempt in 0..<attempts {
      var request = HTTPRequest(
        method: .POST, version: .http11, path: url.path.isEmpty ? "/" : url.path,
        query: URLComponents(string: target)?.queryItems?.map { .init(name: $0.name, value: $0.value ?? "") } ?? [],
        headers: [
          .contentType: "application/json", .host: "\(host):\(port)", .connection: "close",
        ],
        body: body)
      request.headers[HTTPHeader("X-Fal-Webhook-Request-Id")] = job.id
      var client = HTTPClient()
      if let response = try? await client.sendHTTPRequest(request, to: address),
        (200..<300).contains(response.statusCode.code)
      {
        return
      }
      guard attempt + 1 < attempts else { return }
      let delay = min(backoff * (1 << min(attempt, 20)), maxBackoff)
      do { try await clock.sleep(delay) } catch { return }
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
