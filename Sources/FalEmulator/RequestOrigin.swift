import Foundation

/// The scheme and host a request was addressed to, and the bases of the URLs answered to it.
///
/// fal builds the URLs it returns from its own host names: a submit to `https://queue.fal.run/…`
/// gets `https://queue.fal.run/…/status`, an upload gets `https://v3.fal.media/files/…`. The twin
/// does the same with whatever name it was reached by: the `Host` header (or, behind a TLS front,
/// `Forwarded` / `X-Forwarded-Host` and `X-Forwarded-Proto`). A request for one of fal's hosts gets
/// its file URLs on the CDN host; any other name (127.0.0.1:PORT, localhost:PORT) serves everything,
/// so its URLs stay on that name. A fal host named over plain http (no front said https) gets the
/// twin's own base: fal has no plain-http hosts, so the name only chose the route.
struct RequestOrigin: Equatable {
  /// Base of `status_url`, `response_url` and `cancel_url`.
  var queue: String
  /// Base of file URLs, signed upload URLs and the CDN token's `base_url`.
  var files: String

  /// One base for everything (a configured public base URL, or before any request).
  init(base: String) {
    queue = base
    files = base
  }

  init(queue: String, files: String) {
    self.queue = queue
    self.files = files
  }

  /// The origin of a request with these headers (names lower-cased), `fallback` when it names no host.
  static func of(
    headers: (String) -> String?, fallback: String, cdnHost: String, isFalHost: (String) -> Bool
  ) -> RequestOrigin {
    let forwarded = headers("forwarded").map(parseForwarded) ?? [:]
    let host =
      forwarded["host"] ?? firstValue(headers("x-forwarded-host"))
      ?? headers("host")?.trimmingCharacters(
        in: .whitespaces)
    guard let host, !host.isEmpty, isSafeHost(host) else { return RequestOrigin(base: fallback) }
    let proto = (forwarded["proto"] ?? firstValue(headers("x-forwarded-proto")))?.lowercased()
    let scheme = proto == "https" ? "https" : "http"
    let base = "\(scheme)://\(host)"
    guard isFalHost(host) else { return RequestOrigin(base: base) }
    // fal serves its hosts over https only: a fal host name over plain http is a client that
    // reached the twin directly and named the host only to pick the route (our `generate --sync`
    // sends `Host: fal.run` to one loopback server). Its URLs stay on the twin's own address.
    guard scheme == "https" else { return RequestOrigin(base: fallback) }
    return RequestOrigin(queue: base, files: "\(scheme)://\(cdnHost)")
  }

  /// The first element's `key=value` pairs of a `Forwarded` header (RFC 7239), keys lower-cased.
  static func parseForwarded(_ value: String) -> [String: String] {
    let first = value.split(separator: ",").first.map(String.init) ?? ""
    var pairs: [String: String] = [:]
    for part in first.split(separator: ";") {
      let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
      guard pair.count == 2 else { continue }
      pairs[pair[0].lowercased()] = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }
    return pairs
  }

  private static func firstValue(_ header: String?) -> String? {
    header?.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap {
      $0.isEmpty ? nil : $0
    }
  }

  /// A host name (and port) as URLs may carry it: nothing that could end the authority or inject text.
  private static func isSafeHost(_ host: String) -> Bool {
    host.utf8.count <= 255
      && host.unicodeScalars.allSatisfy { scalar in
        CharacterSet.alphanumerics.contains(scalar) && scalar.isASCII || ".-:[]_".unicodeScalars.contains(scalar)
      }
  }
}
