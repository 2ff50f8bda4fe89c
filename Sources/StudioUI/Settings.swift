import FalProtocol
import HistoryModel

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// What the lead's wiring fills in from the configuration: prices, notices, time zone.
public struct Settings: Sendable, Hashable {
  /// US dollars per billing unit, by model (prices change: they live in the config).
  public var pricePerUnit: [MagiModel: Double] = [
    .distilled: MagiModel.distilled.defaultPricePerUnit, .full: MagiModel.full.defaultPricePerUnit,
  ]
  /// Ring the terminal bell when a job finishes.
  public var bellOnFinish = true
  /// Send an OSC 9/777 desktop notification when a job finishes.
  public var notifyOnFinish = true
  /// Only notify while the terminal does not have focus (when focus reporting works).
  public var notifyOnlyWhenUnfocused = false
  /// How long a fal CDN link is trusted after the job finished; "extend this" uses the local copy
  /// of an older video instead of a link that has probably expired.
  public var linkLifetime: TimeInterval = 7 * 86_400
  /// Offset from UTC for times shown in lists (the wiring passes the local zone's).
  public var utcOffsetSeconds = 0
  /// config.toml's `webhook`: what the form's Webhook field starts with (and returns to on reset).
  public var defaultWebhook: String?
  /// config.toml's `[budget]` in dollars: a submit or batch that would pass a limit asks first,
  /// and the status bar shows today's spend against `per_day`.
  public var budget = Budget()
  /// Lines of log kept per job in the queue pane.
  public var logLimit = LogBuffer.defaultLimit

  public init() {}

  public func price(for model: MagiModel) -> Double { pricePerUnit[model] ?? model.defaultPricePerUnit }
}
