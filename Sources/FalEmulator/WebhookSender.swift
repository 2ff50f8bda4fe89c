import FalProtocol
import FlyingFox
import FlyingSocks
import Foundation

/// Sends one webhook POST to `url` with `headers` and `body`: the status the target answered, or
/// nil when it could not be reached. The studio passes one over libcurl (https, host names).
public typealias WebhookPoster = @Sendable (_ url: String, _ headers: [String: String], _ body: Data) async -> Int?

/// POSTs fal's webhook payload to a request's `fal_webhook` when it completes (unsigned).
///
/// Delivery goes through the configured ``WebhookPoster`` (the studio's: libcurl, so https targets
/// and host names work) or, without one, FlyingFox's client, which speaks plain HTTP to an IPv4
/// address: then targets must be `http://<IPv4 or localhost>[:port]/…`. A delivery that fails
/// (no connection, or an answer other than 2xx) is retried like fal's, 10 attempts in all, with
/// a backoff that doubles from `backoff` up to `maxBackoff` (fal spreads its over two hours; the
/// twin's over about a minute and a half), waited on the emulator's clock.
struct WebhookSender: Sendable {
  var attempts = 10
  var backoff: Duration = .milliseconds(200)
  var maxBackoff: Duration = .seconds(30)
  var clock: EmulatorClock = .system
  var poster: WebhookPoster?

  func deliver(_ job: Job) async {
    guard let target = job.webhookURL, let url = URL(string: target), let scheme = url.scheme?.lowercased(),
      scheme == "http" || scheme == "https", url.host != nil
    else { return }
    guard let post = poster ?? Self.plainHTTPPoster(for: url) else { return }
    // Encoded once: every attempt carries the same bytes, as fal's signed deliveries must.
    let body = JSONCoding.encode(Self.payload(for: job))
    let headers = ["Content-Type": "application/json", "X-Fal-Webhook-Request-Id": job.id]
    for attempt in 0..<attempts {
      if let status = await post(target, headers, body), (200..<300).contains(status) { return }
      guard attempt + 1 < attempts else { return }
      let delay = min(backoff * (1 << min(attempt, 20)), maxBackoff)
      do { try await clock.sleep(delay) } catch { return }
    }
  }

  /// FlyingFox's client for `http://<IPv4 or localhost>[:port]/…`; nil for any other target.
  static func plainHTTPPoster(for url: URL) -> WebhookPoster? {
    guard url.scheme?.lowercased() == "http", let host = url.host else { return nil }
    let ip = host == "localhost" ? "127.0.0.1" : host
    let port = UInt16(url.port ?? 80)
    guard let address = try? sockaddr_in.inet(ip4: ip, port: port) else { return nil }
    return { target, headers, body in
      var request = HTTPRequest(
        method: .POST, version: .http11, path: url.path.isEmpty ? "/" : url.path,
        query: URLComponents(string: target)?.queryItems?.map { .init(name: $0.name, value: $0.value ?? "") } ?? [],
        headers: [.host: "\(host):\(port)", .connection: "close"], body: body)
      for (name, value) in headers { request.headers[HTTPHeader(name)] = value }
      var client = HTTPClient()
      return try? await client.sendHTTPRequest(request, to: address).statusCode.code
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
