import CurlTransport
import FalClient
import FalEmulator

extension CurlTransport {
  /// The twin's webhook deliveries over libcurl, as fal delivers them: http and https targets, host
  /// names resolved by the system, the CA bundle this transport trusts. An answer is read up to
  /// 64 KiB and dropped; a target that does not answer within 30 s counts as unreachable (the twin
  /// retries with backoff).
  var webhookPoster: WebhookPoster {
    { [self] url, headers, body in
      var fields = HTTPHeaders()
      for (name, value) in headers.sorted(by: { $0.key < $1.key }) { fields.add(name, value) }
      let request = HTTPRequest(
        method: .post, url: url, headers: fields, body: .data(body),
        timeouts: HTTPTimeouts(connect: .seconds(10), idle: .seconds(15), total: .seconds(30)))
      return try? await execute(request, sink: .memory(limit: 64 << 10)).status
    }
  }
}
