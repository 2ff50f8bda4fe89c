import CurlTransport
import DedicatedThreads
import FalClient
import FalEmulator
import Foundation
import HistoryStore
import StudioCore

#if canImport(Glibc)
  import Glibc
#endif

/// What a command works with: a client, the history, the generation runner, and the embedded
/// emulator when it runs offline.
///
/// Resolution order: `--offline` → embedded emulator; else a key (FAL_KEY, FAL_KEY_ID+SECRET, or the
/// credentials file) → fal.ai or `--fal-url`/`MAGI_FAL_URL`; else a `--fal-url` alone → that server
/// with a placeholder key (an emulator started by `magi-studio emulator`); else the embedded emulator,
/// which accepts only the user's own random key (``TwinKey``): its loopback port is open to every
/// user of the machine.
final class Session: Sendable {
  let client: FalQueueClient
  let transport: CurlTransport
  let emulator: FalEmulator?
  /// On another process's twin: takes the twin over when that process ends first.
  private let takeover: TwinTakeover?
  let paths: StudioPaths
  let history: HistoryStore
  let jobs: GenerationRunner

  /// On the offline twin: this process's own, or another studio's (nothing is billed).
  let isOffline: Bool

  /// - Parameter embedded: the server is the offline twin, this process's own or, when another
  ///   studio process already runs it, that one's.
  private init(
    client: FalQueueClient, transport: CurlTransport, emulator: FalEmulator?, takeover: TwinTakeover? = nil,
    embedded: Bool = false,
    paths: StudioPaths, history: HistoryStore, followOptions: FollowOptions,
    onEvent: @escaping @Sendable (JobEvent) -> Void
  ) {
    self.client = client
    self.transport = transport
    self.emulator = emulator
    self.takeover = takeover
    self.paths = paths
    self.history = history
    isOffline = emulator != nil || embedded
    let server =
      emulator != nil || embedded ? GenerationRunner.embeddedPrefix + client.endpoints.queue : client.endpoints.queue
    jobs = GenerationRunner(
      client: client, history: history, videosDirectory: paths.videos, server: server,
      followOptions: followOptions, logsDirectory: paths.data + "/logs",
      uploadCache: UploadCache(directory: paths.cache), onEvent: onEvent)
  }

  /// - Parameter verbose: the client says on stderr which way each upload goes (`--verbose`).
  /// - Parameter retryPolicy: ``RetryPolicy/batch`` for batches, which wait out long 429 storms.
  static func open(
    _ options: ConnectionOptions, paths: StudioPaths, quiet: Bool = false, verbose: Bool = false,
    retryPolicy: RetryPolicy = .default, followOptions: FollowOptions = FollowOptions(),
    onEvent: @escaping @Sendable (JobEvent) -> Void = JobEventPrinter().handle
  ) async throws -> Session {
    func client(_ endpoints: FalEndpoints, _ credentials: Credentials, over transport: any HTTPTransport)
      -> FalQueueClient
    {
      var client = FalQueueClient(
        transport: transport, endpoints: endpoints, credentials: credentials, retryPolicy: retryPolicy)
      if verbose { client.trace = { Console.line("verbose: \($0)") } }
      return client
    }
    let environment = ProcessInfo.processInfo.environment
    // Indexing a large history is the longest step of a start; the emulator starts meanwhile.
    async let opening = LocalHistory.open(paths, quiet: quiet)
    let transport: CurlTransport
    do { transport = try CurlTransport(caBundle: CurlTransport.caBundle(in: environment)) } catch {
      throw CommandFailure(message: "cannot start the network engine: \(error.message)", code: 1)
    }
    let explicitURL = options.falURL ?? environment["MAGI_FAL_URL"].flatMap { $0.isEmpty ? nil : $0 }
    var endpoints = FalEndpoints.production.overridden(by: environment)
    if let explicitURL { endpoints = FalEndpoints(single: explicitURL) }
    do { endpoints = try endpoints.validated() } catch { throw CommandFailure(error) }

    let found: Credentials?
    do { found = try Credentials.resolve(environment: environment, configDirectory: paths.config) } catch {
      throw CommandFailure(error)
    }
    if !options.offline, let credentials = found {
      return Session(
        client: client(endpoints, credentials, over: transport),
        transport: transport, emulator: nil, paths: paths, history: try await opening, followOptions: followOptions,
        onEvent: onEvent)
    }
    if !options.offline, explicitURL != nil {
      return Session(
        client: client(endpoints, .placeholder, over: transport),
        transport: transport, emulator: nil, paths: paths, history: try await opening, followOptions: followOptions,
        onEvent: onEvent)
    }
    let twin: (key: String, credentials: Credentials)
    do { twin = try TwinKey.load(inDataDirectory: paths.data) } catch { throw CommandFailure(error) }
    var configuration = embeddedEmulatorConfiguration(environment: environment, paths: paths)
    configuration.expectedKey = twin.key
    configuration.webhookPoster = transport.webhookPoster
    let emulator = FalEmulator(configuration: configuration)
    let base: String
    do { base = try await emulator.start() } catch {
      if case .stateDirectoryInUse = error, let shared = runningTwin(configuration) {
        // Another studio process runs the twin over the same state: its jobs are this one's too.
        if !quiet {
          Console.line(
            "OFFLINE: no FAL_KEY set; using the offline fal twin another studio runs at \(shared) (nothing is billed).")
        }
        let takeover = TwinTakeover(base: transport, configuration: configuration)
        return Session(
          client: client(FalEndpoints(single: shared), twin.credentials, over: takeover),
          transport: transport, emulator: nil, takeover: takeover, embedded: true, paths: paths,
          history: try await opening,
          followOptions: followOptions, onEvent: onEvent)
      }
      if case .dataDirectory(let reason) = error {
        // The twin keeps its queue beside the history: a data directory it cannot write is one
        // no record could be written to either (read-only, not a directory).
        throw CommandFailure(message: "cannot start the offline fal twin: \(reason)", code: ExitStatus.cannotCreate)
      }
      throw CommandFailure(message: "cannot start the embedded emulator: \(error)", code: 1)
    }
    let history: HistoryStore
    do { history = try await opening } catch {
      await emulator.stop()
      throw error
    }
    if !quiet {
      Console.line("OFFLINE: no FAL_KEY set; using the embedded fal emulator at \(base) (nothing is billed).")
    }
    return Session(
      client: client(FalEndpoints(single: base), twin.credentials, over: transport),
      transport: transport, emulator: emulator, paths: paths, history: history, followOptions: followOptions,
      onEvent: onEvent)
  }

  /// Runs `body` with an open session and always closes it (the emulator and the network thread).
  static func using<T>(
    _ options: ConnectionOptions, store: StoreOptions, quiet: Bool = false, verbose: Bool = false,
    retryPolicy: RetryPolicy = .default, events: JobEventPrinter = JobEventPrinter(),
    _ body: (Session) async throws -> T
  ) async throws -> T {
    let session = try await open(
      options, paths: store.paths, quiet: quiet, verbose: verbose, retryPolicy: retryPolicy, onEvent: events.handle)
    do {
      let value = try await body(session)
      await session.close()
      return value
    } catch {
      await session.close()
      throw error
    }
  }

  /// The base URL of the twin another process runs over `configuration`'s state directory. Its
  /// port file is current: a twin holds `<state>/starting` until it has written it, and the
  /// refusal only comes after that.
  private static func runningTwin(_ configuration: EmulatorConfiguration) -> String? {
    guard let state = configuration.stateDirectory,
      let text = try? String(contentsOf: state.appendingPathComponent("port"), encoding: .utf8),
      let port = UInt16(text.trimmingCharacters(in: .whitespacesAndNewlines))
    else { return nil }
    return "http://\(configuration.host):\(port)"
  }

  /// The embedded emulator keeps its queue, uploads and videos in `<data>/emulator`, so offline jobs
  /// outlive the process as fal's do (a job left running continues on the next start); `MAGI_EMULATOR_STEP_MS`,
  /// `MAGI_EMULATOR_QUEUE_MS` (minimum time in queue) and `MAGI_EMULATOR_WORKERS` set its speed (tests run it fast, demos at a watchable pace), and
  /// `MAGI_EMULATOR_FFMPEG` which ffmpeg renders videos (empty: the bundled clip).
  static func embeddedEmulatorConfiguration(environment: [String: String], paths: StudioPaths) -> EmulatorConfiguration
  {
    var configuration = EmulatorConfiguration(stateDirectory: URL(fileURLWithPath: paths.data + "/emulator"))
    if let steps = environment["MAGI_EMULATOR_STEP_MS"].flatMap(Int.init), steps >= 0 {
      configuration.stepDuration = .milliseconds(steps)
    }
    if let queue = environment["MAGI_EMULATOR_QUEUE_MS"].flatMap(Int.init), queue >= 0 {
      configuration.minimumQueueTime = .milliseconds(queue)
    }
    if let workers = environment["MAGI_EMULATOR_WORKERS"].flatMap(Int.init), workers >= 1 {
      configuration.workers = workers
    }
    if let ffmpeg = environment["MAGI_EMULATOR_FFMPEG"] { configuration.ffmpegPath = ffmpeg }
    return configuration
  }

  func close() async {
    await emulator?.stop()
    await takeover?.stop()
    // Joins the network thread, which may first finish a transfer: a thread of its own, not the pool's.
    let transport = transport
    _ = try? await DedicatedThread.run(named: "magi-close") { transport.shutdown() }
  }
}

/// Opens only the history (commands that need no network: list, show, rm, export, open).
enum LocalHistory {
  static func open(_ store: StoreOptions) async throws -> (HistoryStore, StudioPaths) {
    (try await open(store.paths), store.paths)
  }

  /// Opens the history in `paths.data`, printing what it had to read around unless `quiet` (the
  /// studio shows that on its screen instead).
  static func open(_ paths: StudioPaths, quiet: Bool = false) async throws -> HistoryStore {
    do {
      let history = try await HistoryStore(directory: paths.data)
      if !quiet {
        for warning in await history.warnings { Console.line("history: \(warning)") }
      }
      return history
    } catch {
      throw CommandFailure(
        message: "\(error.description) (MAGI_STUDIO_DATA_DIR moves the studio's data elsewhere)", code: 1)
    }
  }
}
