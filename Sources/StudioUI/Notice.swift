/// The one-line message above the status bar: what just happened, or what went wrong.
public struct Notice: Sendable, Hashable {
  public enum Kind: Sendable, Hashable {
    case info
    case success
    case warning
    case error
  }

  public var text: String
  public var kind: Kind

  public init(_ text: String, kind: Kind = .info) {
    self.text = text
    self.kind = kind
  }
}
