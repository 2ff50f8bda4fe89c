import CCurl
import FalClient

extension TransportError {
  /// Turns a libcurl result into the kind the client's retry policy reasons about.
  ///
  /// The message joins curl's generic text, the specific `CURLOPT_ERRORBUFFER` detail and the host,
  /// so a person can tell which server failed. It is built only from those three: request headers
  /// (the Authorization header carries the API key) are never included, and `redacting` scrubs any
  /// secret that might still appear in curl's detail text.
  static func curl(
    _ code: CURLcode, detail: String, url: String, redacting secrets: [String]
  ) -> TransportError {
    var message = String(cString: curl_easy_strerror(code))
    let detail = detail.trimmingWhitespace()
    if !detail.isEmpty, detail != message { message += ": " + detail }
    message += " (host \(hostDescription(of: url)))"
    for secret in secrets where !secret.isEmpty {
      message = message.replacing(secret, with: "<redacted>")
    }
    return TransportError(kind(of: code), message)
  }

  /// The error kind for a curl code; `.other` for codes the client has no policy for.
  static func kind(of code: CURLcode) -> Kind {
    switch code {
    case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
      return .cannotConnect
    case CURLE_OPERATION_TIMEDOUT:
      return .timedOut
    case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2,
      CURLE_HTTP2_STREAM, CURLE_HTTP3, CURLE_QUIC_CONNECT_ERROR, CURLE_WEIRD_SERVER_REPLY:
      return .connectionLost
    case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
      CURLE_SSL_CIPHER,
      CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED,
      CURLE_SSL_CACERT_BADFILE, CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE,
      CURLE_SSL_ISSUER_ERROR,
      CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT,
      CURLE_USE_SSL_FAILED:
      return .tls
    case CURLE_ABORTED_BY_CALLBACK:
      return .cancelled
    case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
      return .invalidRequest
    default:
      return .other
    }
  }

  /// The same mapping by curl's stable numeric code, so tests need not import the C module.
  static func kind(ofCurlCode code: Int) -> Kind {
    kind(of: CURLcode(UInt32(code)))
  }

  /// `host[:port]` of an absolute URL, without user info, path or query (which may carry tokens).
  static func hostDescription(of url: String) -> String {
    var rest = Substring(url)
    if let scheme = rest.firstRange(of: "://") { rest = rest[scheme.upperBound...] }
    if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) {
      rest = rest[..<end]
    }
    if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
    return rest.isEmpty ? "unknown" : String(rest)
  }
}

extension String {
  fileprivate func trimmingWhitespace() -> String {
    var view = Substring(self)
    while let first = view.first, first.isWhitespace { view = view.dropFirst() }
    while let last = view.last, last.isWhitespace { view = view.dropLast() }
    return String(view)
  }
}
