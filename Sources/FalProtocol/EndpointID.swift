/// A fal endpoint id such as `fal-ai/magi-distilled/image-to-video`.
///
/// Submit goes to the full id; status, result and cancel go to `[namespace/]owner/alias` only
/// (the sub-path is dropped), exactly as both official clients build their URLs.
public struct EndpointID: Sendable, Hashable, CustomStringConvertible {
  /// `workflows` or `comfy`, when the id starts with one of them.
  public var namespace: String?
  public var owner: String
  public var alias: String
  /// Everything after `owner/alias`, slashes kept; nil when absent.
  public var path: String?

  public static let namespaces: Set<String> = ["workflows", "comfy"]

  public init(namespace: String? = nil, owner: String, alias: String, path: String? = nil) {
    self.namespace = namespace
    self.owner = owner
    self.alias = alias
    self.path = path
  }

  /// Parses an id the way fal's clients do.
  ///
  /// - Throws: ``EndpointIDError`` for an id with no `owner/alias` and no legacy `<digits>-<alias>` form.
  public init(parsing raw: String) throws(EndpointIDError) {
    let trimmed = raw.trimmingSlashes()
    var parts = trimmed.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    guard !trimmed.isEmpty, !parts.contains(where: \.isEmpty) else { throw EndpointIDError(raw: raw) }
    if parts.count == 1 {
      // Legacy `12345-my-app` → owner 12345, alias my-app.
      let single = parts[0]
      guard let dash = single.firstIndex(of: "-"), dash != single.startIndex,
        single[..<dash].allSatisfy(\.isNumber), single.index(after: dash) != single.endIndex
      else { throw EndpointIDError(raw: raw) }
      self.init(owner: String(single[..<dash]), alias: String(single[single.index(after: dash)...]))
      return
    }
    var namespace: String?
    if Self.namespaces.contains(parts[0]) {
      guard parts.count >= 3 else { throw EndpointIDError(raw: raw) }
      namespace = parts.removeFirst()
    }
    let owner = parts.removeFirst()
    let alias = parts.removeFirst()
    self.init(
      namespace: namespace, owner: owner, alias: alias,
      path: parts.isEmpty ? nil : parts.joined(separator: "/"))
  }

  /// `[namespace/]owner/alias`: the part that status, result and cancel use.
  public var app: String {
    [namespace, owner, alias].compactMap { $0 }.joined(separator: "/")
  }

  /// The whole id, sub-path included: what submit uses.
  public var full: String {
    path.map { "\(app)/\($0)" } ?? app
  }

  public var description: String { full }
}

public struct EndpointIDError: Error, Sendable, Equatable, CustomStringConvertible {
  public var raw: String
  public var description: String {
    "invalid endpoint id '\(raw)': expected <owner>/<alias>[/<path>] (for example fal-ai/magi-distilled/image-to-video)"
  }
}

extension String {
  func trimmingSlashes() -> String {
    var view = Substring(self)
    while view.hasPrefix("/") { view = view.dropFirst() }
    while view.hasSuffix("/") { view = view.dropLast() }
    return String(view)
  }
}
