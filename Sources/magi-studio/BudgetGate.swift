import FalProtocol
import HistoryModel
import HistoryStore
import StudioCore

/// config.toml's `[budget]` before a submit: a generate or batch whose estimate would pass
/// `per_batch`, or take today's spend past `per_day`, is refused with the figures (exit 64) unless
/// the user said `--yes`. Nothing has been recorded or sent when it refuses. On the embedded
/// offline twin nothing is billed, so nothing is checked.
enum BudgetGate {
  static func check(_ requests: [MagiRequest], session: Session, paths: StudioPaths, yes: Bool) async throws {
    guard !session.isOffline else { return }
    let history = session.history
    let loaded = StudioConfig.load(paths: paths)
    // A budget line that does not read is no limit: say so rather than spend past it silently.
    for error in loaded.errors where error.message.contains("budget") { Console.line("config: \(error)") }
    let config = loaded.config
    guard config.budget.isSet, !yes else { return }
    let price: @Sendable (MagiModel) -> Double = { config.pricePerUnit(for: $0) }
    let cost = Budget.estimate(requests, pricePerUnit: price)
    let spent =
      config.budget.hasDailyLimit ? try await studio { try await history.spentToday(pricePerUnit: price) } : .zero
    guard let refusal = config.budget.check(cost: cost, spentToday: spent) else { return }
    let jobs = requests.count == 1 ? "this job" : "these \(requests.count) jobs"
    throw CommandFailure(
      message: "budget: \(jobs): \(refusal); nothing was sent (--yes to submit anyway)", code: ExitStatus.invalidInput)
  }
}
