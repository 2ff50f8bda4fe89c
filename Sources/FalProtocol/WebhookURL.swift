/// The check a webhook URL passes before it is sent as `fal_webhook`: fal POSTs the result to it
/// from its own servers, so it must be an absolute http(s) URL with a host. Shared by the CLI's
/// `--webhook`, the form's field and `config.toml`'s default, so all three refuse the same things.
public enum WebhookURL {
  /// Why `text` cannot be a webhook, or nil when it can.
  public static func problem(with text: String) -> String? {
    let lower = text.lowercased()
    guard let scheme = ["https://", "http://"].first(where: lower.hasPrefix) else {
      return "a webhook must be an http(s) URL such as https://example.com/hook, not '\(text)'"
    }
    if text.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) {
      return "a webhook URL cannot contain spaces or control characters"
    }
    let rest = text.dropFirst(scheme.count)
    var authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
    if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
    // An IPv6 literal is the whole bracketed text, which must close and hold an address.
    let host = authority.hasPrefix("[") ? authority.prefix { $0 != "]" }.dropFirst() : authority.prefix { $0 != ":" }
    guard !host.isEmpty, !authority.hasPrefix("[") || authority.contains("]") else {
      return "a webhook URL needs a host, as in https://example.com/hook"
    }
    return nil
  }
}
