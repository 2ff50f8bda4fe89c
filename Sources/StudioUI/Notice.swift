#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

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

  /// How long the line shows it before it clears by itself: problems stay twice as long as news
  /// (and every notice stays in the messages view, whole, for the session).
  public var lifetime: TimeInterval {
    switch kind {
    case .info, .success: 5
    case .warning, .error: 10
    }
  }
}
