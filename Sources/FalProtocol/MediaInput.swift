/// The image or video a request starts from.
public enum MediaInput: Sendable, Hashable {
  /// An http(s) or data URL, sent as it is.
  case url(String)
  /// A local file, uploaded to fal's storage before the submit (or inlined as a data URI).
  case file(path: String, contentType: String, inline: Bool)

  /// How the user gave it, for the history.
  public var given: String {
    switch self {
    case .url(let url): url.hasPrefix("data:") ? "data URI (\(url.count) bytes)" : url
    case .file(let path, _, _): path
    }
  }

  /// Stands in for the final URL while the other fields are validated, so that a wrong value is
  /// reported before an upload is paid for.
  public var validationStandIn: String {
    if case .url(let url) = self { return url }
    return "https://upload.pending/local-file"
  }
}
