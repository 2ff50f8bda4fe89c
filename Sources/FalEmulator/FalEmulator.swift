import FalProtocol
import FlyingFox
import FlyingSocks
import Foundation
import Synchronization

/// A fal-compatible twin of fal's queue, storage and CDN HTTP APIs on loopback.
///
/// Official clients work against it unchanged but for the host: submit/status/stream/result/cancel
/// with fal's shapes and status codes, uploads through every flow the JS and Python clients use,
/// files served with ranges, and simulated MAGI-1 runs that end in real MP4s. Faults can be injected
/// at random (``EmulatorConfiguration/faults``) or scripted per route (``injectFaults(_:on:)``).
///
/// ```swift
/// let emulator = FalEmulator(configuration: EmulatorConfiguration(stepDuration: .milliseconds(20)))
/// let baseURL = try await emulator.start()   // "http://127.0.0.1:PORT"
/// defer { Task { await emulator.stop() } }
/// ```
public actor FalEmulator {
  public nonisolated let configuration: EmulatorConfiguration
  private let clock: EmulatorClock
  private let faults: FaultInjector
  private let metrics = RequestMetrics()
  private let requestLog = RequestLog()
  private let sharedBaseURL: SharedBaseURL
  private var server: HTTPServer?
  private var serverTask: Task<Void, Never>?
  /// The listener's handler, once started: tests hand it requests in process (no socket, no child).
  private(set) var router: Router?
  private var queue: QueueModel?
  private var storage: StorageService?
  private var ownedDataDirectory: URL?
  /// Held while running with a state directory; released by ``stop()``.
  private var stateLock: StateLock?

  /// The base URL clients should use (`http://127.0.0.1:PORT`), once started.
  public private(set) var baseURL: String?
  /// Where uploads and outputs are stored, once started.
  public private(set) var dataDirectory: URL?

  public init(configuration: EmulatorConfiguration = EmulatorConfiguration(), clock: EmulatorClock = .system) {
    self.configuration = configuration
    self.clock = clock
    self.faults = FaultInjector(settings: configuration.faults)
    self.sharedBaseURL = SharedBaseURL(
      configuration.publicBaseURL ?? "http://\(configuration.host):\(configuration.port)")
  }

  /// Binds the listener, starts the workers, and returns the base URL.
  ///
  /// With a ``EmulatorConfiguration/stateDirectory`` it first takes back what the last run left:
  /// the port it listened on (tried first, so the URLs it gave out stay valid), its files, and its
  /// queue, which continues as if the twin had never stopped.
  @discardableResult
  public func start() async throws(EmulatorError) -> String {
    guard server == nil else { throw .alreadyRunning }
    let root: URL
    var lock: StateLock?
    var journal: JobJournal?
    if let state = configuration.stateDirectory {
      root = state
      do { try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true) } catch {
        throw .dataDirectory(String(describing: error))
      }
      lock = try await StateLock(directory: state)
      do { journal = try JobJournal(directory: state.appendingPathComponent("jobs")) } catch {
        throw .dataDirectory(String(describing: error))
      }
    } else if let configured = configuration.dataDirectory {
      root = configured
    } else {
      root = FileManager.default.temporaryDirectory.appendingPathComponent("magi-emulator-\(UUID().uuidString)")
      ownedDataDirectory = root
    }
    let storage: StorageService
    do {
      try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
      storage = try StorageService(root: root, persistent: journal != nil)
    } catch {
      throw .dataDirectory(String(describing: error))
    }
    let renderer = VideoRenderer(ffmpegPath: configuration.ffmpegPath, scratch: root.appendingPathComponent("tmp"))
    let app = SimulatedApp(
      stepDuration: configuration.scaledStepDuration, clock: clock, renderer: renderer, storage: storage,
      baseURL: sharedBaseURL)
    let webhooks = WebhookSender(clock: clock, poster: configuration.webhookPoster)
    let queue = QueueModel(
      workers: configuration.workers, minimumQueueTime: configuration.scaledMinimumQueueTime, clock: clock,
      runner: app,
      onCompletion: { job in
        if job.webhookURL != nil { await webhooks.deliver(job) }
      }, journal: journal)
    let router = Router(
      queue: queue, storage: storage, faults: faults, metrics: metrics, requestLog: requestLog,
      baseURL: sharedBaseURL, fixedBaseURL: configuration.publicBaseURL != nil, runHosts: configuration.runHosts,
      cdnHost: configuration.cdnHost, expectedKey: configuration.expectedKey,
      keepAliveInterval: configuration.keepAliveInterval,
      statusLogWindow: configuration.statusLogWindow, clock: clock)
    // The queue is taken back before the port opens, so no client polling across a restart is
    // told that a request it holds does not exist; nothing runs until the base URL is known.
    if let journal { await restore(from: journal, into: queue, storage: storage, app: app) }
    let portFile = configuration.stateDirectory?.appendingPathComponent("port")
    let listener: Listener
    if configuration.port == 0, let portFile, let previous = Self.readPort(portFile) {
      // Another program may have taken the port meanwhile; then a new one, and restored results
      // are re-based onto it (clients that kept the old URLs must ask again).
      do { listener = try await listen(port: previous, router: router) } catch {
        listener = try await listen(port: 0, router: router)
      }
    } else {
      listener = try await listen(port: configuration.port, router: router)
    }
    let base = configuration.publicBaseURL ?? "http://\(configuration.host):\(listener.port)"
    sharedBaseURL.current = base
    if journal != nil, let portFile {
      try? AtomicFile.write(Data("\(listener.port)\n".utf8), to: portFile, durable: true)
      lock?.started()
      let paths = await storage.urlPaths()
      await queue.rewriteOutputs { output in
        guard let value = try? FalProtocol.JSONValue.decode(output) else { return output }
        let moved = Self.rebase(value, onto: base, paths: paths)
        return moved == value ? output : JSONCoding.encode(moved)
      }
      await queue.release()
    }
    self.server = listener.server
    self.serverTask = listener.task
    self.router = router
    self.queue = queue
    self.storage = storage
    self.stateLock = lock
    self.baseURL = base
    self.dataDirectory = root
    return base
  }

  private struct Listener {
    var server: HTTPServer
    var task: Task<Void, Never>
    var port: UInt16
  }

  /// Starts an HTTP server on `port` (0: any free one) and waits until it listens.
  private func listen(port: UInt16, router: Router) async throws(EmulatorError) -> Listener {
    let address: sockaddr_in
    do {
      address = try sockaddr_in.inet(ip4: configuration.host, port: port)
    } catch {
      throw .listen("\(configuration.host) is not an IPv4 address")
    }
    // Bodies above 1 MiB arrive as a stream read from the socket, so uploads go to disk as they come.
    #if os(Linux)
      let pool: any AsyncSocketPool = SocketPool(queue: NoDelayEventQueue())
    #else
      let pool: any AsyncSocketPool = HTTPServer.defaultPool()
    #endif
    let server = HTTPServer(
      config: HTTPServer.Configuration(
        address: address, timeout: configuration.handlerTimeout, sharedRequestBufferSize: 64 * 1024,
        sharedRequestReplaySize: 1 << 20, pool: pool, logger: .disabled),
      handler: router)
    let ended = ServerEnd()
    let task = Task {
      do {
        try await server.run()
        ended.record("the server stopped")
      } catch {
        ended.record(String(describing: error))
      }
    }
    // FlyingFox binds inside run() without waiting on anything, so a few hops see either the
    // listener or run()'s failure (a port in use is reported at once). Not
    // `waitUntilListening(timeout:)`: its timeout is a Task.sleep that, even cancelled, still
    // fires at its deadline, a stray wake-up of the idle studio 10 s after launch.
    while await !server.isListening {
      if let reason = ended.reason {
        task.cancel()
        throw .listen(reason)
      }
      await Task.yield()
    }
    guard case .ip4(_, let bound)? = await server.listeningAddress else {
      task.cancel()
      throw .listen("no listening address")
    }
    await Self.waitUntilAccepting(host: configuration.host, port: bound)
    return Listener(server: server, task: task, port: bound)
  }

  /// Returns once the server has answered a request (or could not be reached within seconds).
  ///
  /// FlyingFox reports listening as soon as its socket listens, but makes the socket non-blocking and
  /// starts accepting in tasks that run later. Stopped in between, the descriptor it closed can be
  /// reused by another server's new (still blocking) listening socket before the first accept: that
  /// accept then blocks its thread, and stop() waits for it forever. Seen as a 15-minute hang of a
  /// test that started and stopped a twin within milliseconds, on a loaded 2-core machine. One answer
  /// proves the accept loop runs on this server's own non-blocking socket.
  private static func waitUntilAccepting(host: String, port: UInt16) async {
    let ip = host == "0.0.0.0" ? "127.0.0.1" : host
    guard let address = try? sockaddr_in.inet(ip4: ip, port: port) else { return }
    // The metrics route: read-only, answered without a key, neither logged nor counted itself.
    let request = HTTPRequest(
      method: .GET, version: .http11, path: "/_emulator/metrics", query: [],
      headers: [.host: "\(ip):\(port)", .connection: "close"], body: Data())
    var client = HTTPClient()
    _ = try? await client.sendHTTPRequest(request, to: address)
  }

  /// Takes back the last run's queue: finished requests older than the retention are forgotten,
  /// with the files no kept request refers to.
  private func restore(from journal: JobJournal, into queue: QueueModel, storage: StorageService, app: SimulatedApp)
    async
  {
    journal.removeTemporaries()
    let cutoff = clock.now().addingTimeInterval(-configuration.stateRetention)
    var kept: [Job] = []
    for job in journal.load() {
      if let completed = job.completedAt, completed < cutoff {
        journal.remove(job.id)
      } else {
        kept.append(job)
      }
    }
    await storage.prune(before: cutoff) { key in
      let bytes = Data(key.utf8)
      return kept.contains { job in
        if job.body.range(of: bytes) != nil { return true }
        if case .success(let output, _)? = job.outcome { return output.range(of: bytes) != nil }
        return false
      }
    }
    await queue.restore(kept, plannedDuration: app.plannedDuration(of:))
  }

  /// `value` with every URL of a stored file moved under `baseURL`.
  static func rebase(_ value: FalProtocol.JSONValue, onto baseURL: String, paths: [String: String])
    -> FalProtocol.JSONValue
  {
    switch value {
    case .string(let text):
      guard let key = StorageService.fileKey(inURL: text), let path = paths[key] else { return value }
      return .string(baseURL + path)
    case .array(let items):
      return .array(items.map { rebase($0, onto: baseURL, paths: paths) })
    case .object(let fields):
      return .object(fields.mapValues { rebase($0, onto: baseURL, paths: paths) })
    default:
      return value
    }
  }

  private static func readPort(_ file: URL) -> UInt16? {
    (try? String(contentsOf: file, encoding: .utf8)).flatMap {
      UInt16($0.trimmingCharacters(in: .whitespacesAndNewlines))
    }.flatMap { $0 == 0 ? nil : $0 }
  }

  /// Stops workers and streams, closes the listener, and deletes a temporary data directory.
  public func stop() async {
    await queue?.shutdown()
    await server?.stop(timeout: 1)
    serverTask?.cancel()
    server = nil
    serverTask = nil
    router = nil
    queue = nil
    storage = nil
    stateLock = nil
    baseURL = nil
    if let owned = ownedDataDirectory {
      try? FileManager.default.removeItem(at: owned)
      ownedDataDirectory = nil
    }
  }

  // MARK: - Faults

  /// Queues faults for the next requests on `route`, one consumed per matching request, ahead of
  /// any random fault.
  public func injectFaults(_ faults: [Fault], on route: RouteKind) async {
    await self.faults.enqueue(faults, on: route)
  }

  /// Scripted faults not yet consumed on `route`.
  public func pendingFaults(on route: RouteKind) async -> [Fault] {
    await faults.pending(on: route)
  }

  /// Drops every scripted fault.
  public func clearFaults() async {
    await faults.clearScripted()
  }

  /// Adds rules, as `POST /_emulator/faults` does.
  public func addFaultRules(_ rules: [FaultRule]) async {
    await faults.addRules(rules)
  }

  /// The rules still active, with what is left of their counts.
  public func faultRules() async -> [FaultRule] {
    await faults.activeRules
  }

  /// Replaces the random fault rates (and reseeds the generator).
  public func setFaultInjection(_ settings: FaultInjection) async {
    await faults.replaceSettings(settings)
  }

  // MARK: - Metrics

  public func requestCount(_ route: RouteKind) async -> Int {
    await metrics.snapshot()[route]
  }

  public func requestCounts() async -> RequestCounts {
    await metrics.snapshot()
  }

  public func resetRequestCounts() async {
    await metrics.reset()
  }

  /// When the request was marked COMPLETED (success, failure or cancellation).
  public func completionTime(of requestID: String) async -> Date? {
    await queue?.job(requestID)?.completedAt
  }

  /// Completion times of every finished request, by request id.
  public func completionTimes() async -> [String: Date] {
    await queue?.completionTimes() ?? [:]
  }

  /// The status object a poll with `logs=1` would return right now, without an HTTP round trip.
  public func status(of requestID: String) async -> QueueStatus? {
    guard let base = baseURL, let job = await queue?.job(requestID) else { return nil }
    return job.status(baseURL: base, logs: job.logs)
  }
}

/// How the server task ended, if it has: read by `start()` while it waits for the listener.
private final class ServerEnd: Sendable {
  private let value = Mutex<String?>(nil)

  var reason: String? { value.withLock { $0 } }

  func record(_ reason: String) {
    value.withLock { if $0 == nil { $0 = reason } }
  }
}
