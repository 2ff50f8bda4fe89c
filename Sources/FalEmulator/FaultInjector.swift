/// Decides, per request, which fault (if any) to show: first the scripted queue of the request's
/// route, one fault per matching request, then the rules set at run time, then the configured
/// random rates.
actor FaultInjector {
  /// The rates the twin started with, which ``reset()`` restores.
  private let initialSettings: FaultInjection
  private var settings: FaultInjection
  private var generator: SeededGenerator
  private var scripted: [RouteKind: [Fault]] = [:]
  private var rules: [FaultRule] = []

  init(settings: FaultInjection) {
    self.initialSettings = settings
    self.settings = settings
    self.generator = SeededGenerator(seed: settings.seed)
  }

  func addRules(_ new: [FaultRule]) {
    rules.append(contentsOf: new)
  }

  /// Rules still active, with what is left of their counts.
  var activeRules: [FaultRule] { rules }

  /// Back to the start: no scripted faults, no rules, the configured rates and seed.
  func reset() {
    scripted.removeAll()
    rules.removeAll()
    replaceSettings(initialSettings)
  }

  func enqueue(_ faults: [Fault], on route: RouteKind) {
    scripted[route, default: []].append(contentsOf: faults)
  }

  func clearScripted() {
    scripted.removeAll()
  }

  func replaceSettings(_ newSettings: FaultInjection) {
    settings = newSettings
    generator = SeededGenerator(seed: newSettings.seed)
  }

  /// Scripted faults still waiting on `route`.
  func pending(on route: RouteKind) -> [Fault] {
    scripted[route] ?? []
  }

  /// The latency to add to every request.
  var latency: Duration { settings.latency }

  /// The `x-fal-billable-units` text every result carries instead of the real units, if set.
  var billableUnitsHeader: String? { settings.billableUnitsHeader }
  /// Whether error answers quote the request's headers (``FaultInjection/echoRequestHeaders``).
  var echoesRequestHeaders: Bool { settings.echoRequestHeaders }

  /// The fault for the next request on `route` (`target` its finer kind), consuming a scripted one
  /// if queued, else counting it against the first rule that fires.
  func nextFault(for route: RouteKind, target: FaultTarget? = nil) -> Fault? {
    if var queue = scripted[route], !queue.isEmpty {
      let fault = queue.removeFirst()
      scripted[route] = queue
      return fault
    }
    if let target, let fault = ruleFault(for: target) { return fault }
    guard route != .other, settings.routes.contains(route), !settings.isQuiet else { return nil }
    // One draw per kind, in a fixed order, so the sequence depends only on the seed.
    if generator.unit() < settings.dropConnectionRate { return .dropConnection }
    if generator.unit() < settings.ingressErrorRate { return .ingress(502) }
    if generator.unit() < settings.errorRate { return .status(503) }
    if generator.unit() < settings.rateLimitRate { return .rateLimited(retryAfter: settings.retryAfter) }
    if generator.unit() < settings.malformedBodyRate { return .malformedBody }
    if route == .stream, generator.unit() < settings.dropStreamRate { return .dropStream(afterEvents: 1) }
    return nil
  }

  private func ruleFault(for target: FaultTarget) -> Fault? {
    for index in rules.indices where rules[index].target == target {
      if let rate = rules[index].rate, generator.unit() >= rate { continue }
      let fault = rules[index].fault
      if let remaining = rules[index].remaining {
        if remaining <= 1 { rules.remove(at: index) } else { rules[index].remaining = remaining - 1 }
      }
      return fault
    }
    return nil
  }
}
