/// A `data:` URI given as a model's image or video (fal's file inputs take them as well as URLs):
/// its media type and the size of what it carries, read without decoding it.
///
/// The schema accepts any string there, as fal's does; these checks catch before the submit what
/// the app would refuse after queueing: a video where an image belongs, text, or a payload too big
/// to travel in a request body.
public struct DataURI: Sendable, Hashable {
  /// Lower-cased, without parameters (`image/png`); `text/plain` when the URI names none (RFC 2397).
  public var mediaType: String
  public var isBase64: Bool
  /// Bytes the URI carries once decoded (exact for base64 without stray characters, an upper bound
  /// for percent-encoded text).
  public var decodedSize: Int

  /// The largest decoded payload sent inline: the whole of it travels base64-encoded inside the
  /// request body, a third larger again. Bigger files go through fal's storage instead.
  public static let maxBytes = 10 << 20

  /// Parses `text` when it is a `data:` URI (`data:[<type>][;param…][;base64],<data>`); nil otherwise.
  public init?(_ text: String) {
    guard text.count > 5, text.prefix(5).lowercased() == "data:", let comma = text.firstIndex(of: ",") else {
      return nil
    }
    let header = text[text.index(text.startIndex, offsetBy: 5)..<comma]
    let parts = header.split(separator: ";", omittingEmptySubsequences: false).map {
      $0.trimmingWhitespace().lowercased()
    }
    let type = parts.first ?? ""
    mediaType = type.isEmpty ? "text/plain" : type
    isBase64 = parts.dropFirst().contains("base64")
    let payload = text.utf8.count - text[...comma].utf8.count
    if isBase64 {
      let padding = text.hasSuffix("==") ? 2 : text.hasSuffix("=") ? 1 : 0
      decodedSize = max(0, payload / 4 * 3 + (payload % 4 == 0 ? 0 : payload % 4 - 1) - padding)
    } else {
      decodedSize = payload
    }
  }

  /// Why this URI cannot be the source of a request whose field takes `kind` (`image` or `video`),
  /// or nil when it can.
  public func problem(asSourceOf kind: String) -> String? {
    let family = mediaType.split(separator: "/").first.map(String.init) ?? ""
    if family != kind {
      return "the data URI holds \(mediaType), not \(kind == "image" ? "an image" : "a video")"
    }
    if !isBase64 { return "the data URI of \(mediaType) must be base64-encoded (data:\(mediaType);base64,…)" }
    if decodedSize == 0 { return "the data URI holds no data" }
    if decodedSize > Self.maxBytes {
      return "the data URI carries \(decodedSize) bytes; inline data is limited to \(Self.maxBytes) bytes"
        + " (give the file's path instead, and it is uploaded)"
    }
    return nil
  }

  /// The problem with `text` as the source of `mode`, when it is a data URI; nil for anything else.
  public static func problem(with text: String, asSourceOf mode: MagiMode) -> String? {
    guard let kind = mode.sourceKind, let uri = DataURI(text) else { return nil }
    return uri.problem(asSourceOf: kind)
  }
}

extension MagiMode {
  /// `image` or `video`: what the mode's source field holds; nil for text-to-video.
  public var sourceKind: String? {
    switch self {
    case .imageToVideo: "image"
    case .extendVideo: "video"
    case .textToVideo: nil
    }
  }
}
