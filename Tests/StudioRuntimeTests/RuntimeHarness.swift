import CurlTransport
import FalClient
import FalEmulator
import FalProtocol
import Foundation
import HistoryStore
import StudioCore
import StudioRuntime
import StudioUI
import Synchronization
import TestSupport

/// Records everything posted to an inbox, as it is posted: the tests' view of "actions out".
final class ActionProbe: LoopWaker, Sendable {
  private let target = Mutex<Inbox?>(nil)
  let items = Recorder<Action>()

  /// An inbox whose every item lands in ``items``.
  static func inbox() -> (Inbox, ActionProbe) {
    let probe = ActionProbe()
    let inbox = Inbox(waker: probe)
    probe.target.withLock { $0 = inbox }
    return (inbox, probe)
  }

  /// Drains at once, on the posting thread; under the lock, so that items keep their order.
  func wake() {
    target.withLock { inbox in
      for item in inbox?.drain() ?? [] { items.append(item) }
    }
  }

  /// The first action `extract` accepts, posted already or yet to come; nil after `timeout`.
  func first<T: Sendable>(
    within timeout: Duration = .seconds(30), _ extract: @escaping @Sendable (Action) -> T?
  ) async -> T? {
    guard let action = await items.first(within: timeout, where: { extract($0) != nil }) else { return nil }
    return extract(action)
  }

  var actions: [Action] { items.items }

  var notices: [String] {
    actions.compactMap { if case .notice(let text) = $0 { text } else { nil } }
  }

  func notice(containing text: String) async -> String? {
    await first { if case .notice(let notice) = $0, notice.contains(text) { notice } else { nil } }
  }

  /// The first update of `recordID` that `matches`.
  func update(of recordID: String, where matches: @escaping @Sendable (GenerationRecord) -> Bool) async
    -> GenerationRecord?
  {
    await first { if case .jobUpdated(let record) = $0, record.id == recordID, matches(record) { record } else { nil } }
  }
}

/// The in-process emulator, a client over libcurl and a fresh data directory.
struct RuntimeHarness {
  static let transport: CurlTransport = {
    do { return try CurlTransport() } catch { fatalError("cannot start libcurl: \(error)") }
  }()

  let emulator: FalEmulator
  let client: FalQueueClient
  let directory: String

  static func start(workers: Int = 2, step: Duration = .milliseconds(5), maxRefusals: Int = 3) async throws
    -> RuntimeHarness
  {
    // The bundled clip rather than an ffmpeg render: the runtime does not care what the video shows.
    let emulator = FalEmulator(
      configuration: EmulatorConfiguration(workers: workers, stepDuration: step, ffmpegPath: ""))
    let base = try await emulator.start()
    let client = FalQueueClient(
      transport: transport, endpoints: FalEndpoints(single: base), credentials: Credentials(key: "k"),
      retryPolicy: RetryPolicy(
        maxAttempts: 3, baseDelay: .milliseconds(10), maxDelay: .milliseconds(40), maxRefusals: maxRefusals))
    let directory = NSTemporaryDirectory() + "magi-runtime-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    return RuntimeHarness(emulator: emulator, client: client, directory: directory)
  }

  /// A generation runner over this harness's history whose events go to `inbox`, as the studio wires it.
  func generationRunner(posting inbox: Inbox) async throws -> GenerationRunner {
    let history = try await HistoryStore(directory: directory)
    return GenerationRunner(
      client: client, history: history, videosDirectory: directory + "/videos", logsDirectory: directory + "/logs",
      onEvent: JobFollower.events(into: inbox))
  }

  /// A runner wired as the studio wires it, and the probe that sees what it posts.
  func runner(launcher: Launcher? = nil, outer: FakeOuterTerminal = FakeOuterTerminal()) async throws
    -> (EffectRunner, ActionProbe)
  {
    let (inbox, probe) = ActionProbe.inbox()
    let jobs = try await generationRunner(posting: inbox)
    let runner = EffectRunner(
      jobs: jobs, inbox: inbox, outer: outer,
      launcher: launcher
        ?? Launcher(environment: [:], allowedDirectories: [directory], spawn: { _, _ in "no spawning here" }),
      home: directory, configFile: directory + "/config.toml")
    return (runner, probe)
  }

  /// A job submitted by another coordinator and not followed: what a previous run leaves behind.
  func leftUnfinished(_ request: MagiRequest) async throws -> GenerationRecord {
    let (inbox, _) = ActionProbe.inbox()
    return try await generationRunner(posting: inbox).submit(request)
  }

  func stop() async {
    await emulator.stop()
    try? FileManager.default.removeItem(atPath: directory)
  }
}
