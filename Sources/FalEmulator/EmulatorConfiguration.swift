import Foundation

/// Everything that shapes one emulator instance.
///
/// The defaults give a fast, well-behaved twin on an ephemeral loopback port; tests shrink
/// `stepDuration` and `keepAliveInterval`, and the CLI maps its flags onto these fields.
public struct EmulatorConfiguration: Sendable {
  /// The IPv4 address to bind; loopback by default so nothing is exposed by accident.
  public var host: String
  /// 0 picks a free port; read the real one from ``FalEmulator/start()``'s base URL.
  public var port: UInt16
  /// The base URL written into every returned URL (status, result, files, uploads).
  ///
  /// `nil` means `http://host:port`. Set it when a TLS proxy maps `queue.fal.run` and friends onto
  /// the emulator, so clients follow URLs through the proxy.
  public var publicBaseURL: String?
  /// Simulated runners: how many requests run at once. The rest wait and see `queue_position`.
  public var workers: Int
  /// Wall time of one inference step; a request takes `num_inference_steps` of these.
  public var stepDuration: Duration
  /// How long every request stays IN_QUEUE at least, even with a worker free: fal reports a queue
  /// position before a runner takes a request, so clients' queued handling is always exercised.
  public var minimumQueueTime: Duration
  /// Divides every simulated time (``stepDuration``, ``minimumQueueTime``): 2 runs twice as fast.
  public var speed: Double
  /// Host names (without port) whose requests are fal's synchronous runs (`fal.run`): a `POST`
  /// to them is answered with the result once the request ends, not with a queue answer.
  public var runHosts: Set<String>
  /// The CDN host file URLs name when a request came for one of fal's hosts (`queue.fal.run`,
  /// `rest.fal.ai`, `fal.run`), as fal's files live on `v3.fal.media`.
  public var cdnHost: String
  /// Interval of the `: ping` comment on status streams (fal uses 15 s).
  public var keepAliveInterval: Duration
  /// Where uploads and generated videos live. `nil` creates a fresh temporary directory.
  /// Ignored when ``stateDirectory`` is set.
  public var dataDirectory: URL?
  /// When set, the twin outlives its process, as fal does: its queue (`jobs/`), stored files and
  /// rendered videos (`files/`) and its port (`port`) are kept here, and a restart takes them back,
  /// running requests continuing by wall-clock time on the same port. One twin owns it at a time.
  public var stateDirectory: URL?
  /// How long finished requests, and files no kept request refers to, stay in ``stateDirectory``.
  public var stateRetention: TimeInterval
  /// When set, only `Key <expectedKey>` (or a CDN token the emulator issued) is accepted.
  /// When `nil`, any non-empty `Key …` / `Bearer …` credential is accepted.
  public var expectedKey: String?
  /// How many of the most recent log lines a status poll returns; `nil` returns all of them.
  ///
  /// fal returns a moving window; the default keeps every line because that is what clients
  /// built on polling alone need, and a window can be turned on to test log merging.
  public var statusLogWindow: Int?
  /// Path of `ffmpeg`. `nil` searches `PATH`; an empty string disables it (the bundled clip is used).
  public var ffmpegPath: String?
  /// Faults injected at random; scripted faults are added with ``FalEmulator/injectFaults(_:on:)``.
  public var faults: FaultInjection
  /// FlyingFox's per-request handler timeout. Large uploads are streamed inside the handler, so
  /// this bounds how long one upload may take.
  public var handlerTimeout: TimeInterval
  /// Sends one webhook POST (any scheme and host: https targets, names resolved by the system) and
  /// returns the status the target answered, or nil when it could not be reached. Nil: the twin's
  /// own client, which speaks plain http to an IPv4 address or `localhost` only.
  public var webhookPoster: WebhookPoster?

  public init(
    host: String = "127.0.0.1",
    port: UInt16 = 0,
    publicBaseURL: String? = nil,
    workers: Int = 2,
    stepDuration: Duration = .milliseconds(250),
    minimumQueueTime: Duration = .milliseconds(300),
    speed: Double = 1,
    runHosts: Set<String> = ["fal.run", "falrun.com"],
    cdnHost: String = "v3.fal.media",
    keepAliveInterval: Duration = .seconds(15),
    dataDirectory: URL? = nil,
    stateDirectory: URL? = nil,
    stateRetention: TimeInterval = 7 * 24 * 3600,
    expectedKey: String? = nil,
    statusLogWindow: Int? = nil,
    ffmpegPath: String? = nil,
    faults: FaultInjection = FaultInjection(),
    handlerTimeout: TimeInterval = 600
  ) {
    self.host = host
    self.port = port
    self.publicBaseURL = publicBaseURL
    self.workers = max(1, workers)
    self.stepDuration = stepDuration
    self.minimumQueueTime = minimumQueueTime
    self.speed = speed.isFinite && speed > 0 ? speed : 1
    self.runHosts = Set(runHosts.map { $0.lowercased() })
    self.cdnHost = cdnHost
    self.keepAliveInterval = keepAliveInterval
    self.dataDirectory = dataDirectory
    self.stateDirectory = stateDirectory
    self.stateRetention = stateRetention
    self.expectedKey = expectedKey
    self.statusLogWindow = statusLogWindow
    self.ffmpegPath = ffmpegPath
    self.faults = faults
    self.handlerTimeout = handlerTimeout
  }

  /// ``stepDuration`` at ``speed``.
  public var scaledStepDuration: Duration { stepDuration * (1 / speed) }
  /// ``minimumQueueTime`` at ``speed``.
  public var scaledMinimumQueueTime: Duration { minimumQueueTime * (1 / speed) }
}
