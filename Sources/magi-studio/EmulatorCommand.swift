import ArgumentParser
import CurlTransport
import FalEmulator
import Foundation

/// Runs the fal-compatible emulator on its own, for scripts and official fal clients to talk to.
struct EmulatorCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "emulator",
    abstract: "Run the fal-compatible queue, storage and CDN emulator on loopback.",
    discussion: """
      Prints its base URL on stdout, then serves until interrupted. Point the studio at it with
      MAGI_FAL_URL=<url> (or --fal-url), or fal's own clients by rewriting their hosts to it.
      """)

  @Option(help: "Address to listen on (loopback by default).") var host = "127.0.0.1"
  @Option(help: "Port to listen on (0: any free port).") var port: UInt16 = 0
  @Option(help: "Simulated GPU workers running jobs at once.") var workers = 2
  @Option(help: "Milliseconds per inference step.") var stepMs = 250
  @Option(help: "Milliseconds every request stays IN_QUEUE at least, even with a worker free.") var queueMs = 300
  @Option(help: "Divides every simulated time (steps, time in queue): 4 runs four times as fast.") var speed = 1.0
  @Option(
    name: .customLong("run-host"),
    help: ArgumentHelp(
      "A host name whose POSTs are synchronous runs, like fal.run (repeatable; default: fal.run and falrun.com).",
      valueName: "name"))
  var runHosts: [String] = []
  @Option(help: ArgumentHelp("The CDN host file URLs name for requests that came for fal's hosts.", valueName: "name"))
  var cdnHost = "v3.fal.media"
  @Option(help: "Seconds between keep-alive comments on status streams.") var keepAlive = 15
  @Option(help: ArgumentHelp("Directory for uploads and renders (default: a temporary one).", valueName: "dir"))
  var dataDir: String?
  @Option(
    help: ArgumentHelp(
      "Keep the queue, files and port here across restarts, as fal does: running jobs continue by wall-clock time when it starts again (replaces --data-dir).",
      valueName: "dir"))
  var stateDir: String?
  @Option(
    name: [.customLong("key"), .customLong("expect-key")],
    help: ArgumentHelp(
      "Accept only this API key, sent as FAL_KEY by clients (default: any key). Files stay readable by URL, as fal's CDN files are.",
      valueName: "key"))
  var key: String?

  @Option(help: "Fault: added latency per request, in milliseconds.") var latencyMs = 0
  @Option(help: "Fault: share of requests answered 503 runner_scheduling_failure, with a request id (0–1).")
  var errorRate = 0.0
  @Option(help: "Fault: share answered like a failing ingress (502, nginx HTML, no request id).")
  var ingressErrorRate = 0.0
  @Option(help: "Fault: share answered 429 with Retry-After.") var rateLimitRate = 0.0
  @Option(help: "Fault: Retry-After seconds sent with 429.") var retryAfter = 1
  @Option(help: "Fault: share of connections dropped without an answer.") var dropRate = 0.0
  @Option(help: "Fault: share of status streams cut mid-way.") var dropStreamRate = 0.0
  @Option(help: "Fault: share of answers with a malformed JSON body.") var malformedRate = 0.0
  @Option(help: "Seed of the fault generator, for reproducible runs.") var faultSeed: UInt64 = 0x5EED
  @Option(help: "Fault: the first N submits are queued, then their connection is dropped before the reply.")
  var dropSubmitReplies = 0
  @Option(
    help: "Fault: the first N status streams send their headers, then nothing at all (a server that stopped answering)."
  )
  var silentStreams = 0
  @Option(
    help: ArgumentHelp(
      "Fault: cancelled jobs end with this error_type, their result answered with this status (e.g. client_cancelled:499).",
      valueName: "type:status"))
  var cancelEndsAs: String?
  @Option(
    help: ArgumentHelp(
      "Fault: every job ends with this error_type instead of a video (runner_disconnected, request_timeout, content_policy_violation, start_timeout, …).",
      valueName: "type"))
  var jobsEndAs: String?
  @Option(
    help: ArgumentHelp(
      "Fault: send this text as every result's x-fal-billable-units header (NaN, 1e19…).", valueName: "text"))
  var faultBillableUnits: String?
  @Flag(
    help: "Fault: every error answer quotes the request's headers, Authorization included, as a debugging proxy might.")
  var echoHeaders = false

  func validate() throws {
    for (name, rate) in [
      ("error-rate", errorRate), ("ingress-error-rate", ingressErrorRate), ("rate-limit-rate", rateLimitRate),
      ("drop-rate", dropRate), ("drop-stream-rate", dropStreamRate), ("malformed-rate", malformedRate),
    ] where !(0...1).contains(rate) {
      throw ValidationError("--\(name) must be between 0 and 1")
    }
    if let cancelEndsAs, cancelEnding(cancelEndsAs) == nil {
      throw ValidationError("--cancel-ends-as takes an error type and an HTTP status, like client_cancelled:499")
    }
    guard dropSubmitReplies >= 0 else { throw ValidationError("--drop-submit-replies must be 0 or more") }
    guard silentStreams >= 0 else { throw ValidationError("--silent-streams must be 0 or more") }
    guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
    guard stepMs >= 0, keepAlive >= 1 else { throw ValidationError("--step-ms must be ≥ 0 and --keep-alive ≥ 1") }
    guard queueMs >= 0 else { throw ValidationError("--queue-ms must be 0 or more") }
    guard speed.isFinite, speed > 0 else { throw ValidationError("--speed must be more than 0") }
    guard dataDir == nil || stateDir == nil else {
      throw ValidationError("--data-dir and --state-dir exclude each other")
    }
    if let key, key.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--key must not be empty") }
  }

  var configuration: EmulatorConfiguration {
    EmulatorConfiguration(
      host: host, port: port, workers: workers, stepDuration: .milliseconds(stepMs),
      minimumQueueTime: .milliseconds(queueMs), speed: speed,
      runHosts: runHosts.isEmpty ? ["fal.run", "falrun.com"] : Set(runHosts), cdnHost: cdnHost,
      keepAliveInterval: .seconds(keepAlive), dataDirectory: dataDir.map { URL(fileURLWithPath: $0) },
      stateDirectory: stateDir.map { URL(fileURLWithPath: $0) },
      expectedKey: key,
      faults: FaultInjection(
        seed: faultSeed, latency: .milliseconds(latencyMs), errorRate: errorRate, ingressErrorRate: ingressErrorRate,
        rateLimitRate: rateLimitRate, retryAfter: retryAfter, dropConnectionRate: dropRate,
        dropStreamRate: dropStreamRate, malformedBodyRate: malformedRate, billableUnitsHeader: faultBillableUnits,
        echoRequestHeaders: echoHeaders))
  }

  private func cancelEnding(_ text: String) -> Fault? {
    let parts = text.split(separator: ":")
    guard parts.count == 2, !parts[0].isEmpty, let status = Int(parts[1]), (400...599).contains(status) else {
      return nil
    }
    return .cancelEndsWith(errorType: String(parts[0]), status: status)
  }

  func run() async throws {
    var configuration = configuration
    // Webhooks go out over libcurl, as the studio's requests do: https targets and host names.
    let transport: CurlTransport
    do {
      transport = try CurlTransport(caBundle: CurlTransport.caBundle(in: ProcessInfo.processInfo.environment))
    } catch {
      Console.error("cannot start the network engine for webhooks: \(error.message)")
      throw ExitCode(1)
    }
    configuration.webhookPoster = transport.webhookPoster
    let emulator = FalEmulator(configuration: configuration)
    let base: String
    do { base = try await emulator.start() } catch {
      Console.error("cannot start the emulator on \(host):\(port): \(error)")
      throw ExitCode(1)
    }
    await emulator.injectFaults(Array(repeating: .acceptThenDrop, count: dropSubmitReplies), on: .submit)
    await emulator.injectFaults(Array(repeating: .silentStream, count: silentStreams), on: .stream)
    if let fault = cancelEndsAs.flatMap(cancelEnding) {
      // Scripted faults are consumed one per cancel; this many outlasts any session.
      await emulator.injectFaults(Array(repeating: fault, count: 10_000), on: .cancel)
    }
    if let jobsEndAs, !jobsEndAs.isEmpty {
      await emulator.injectFaults(Array(repeating: .jobEndsWith(errorType: jobsEndAs), count: 10_000), on: .submit)
    }
    Console.stdout(base)
    let keyHint = key == nil ? "" : " FAL_KEY=<the --key value>"
    Console.line(
      "fal emulator listening on \(base); Ctrl-C stops it. Try: MAGI_FAL_URL=\(base)\(keyHint) magi-studio generate --prompt … --wait"
    )
    await StopSignal.wait()
    await emulator.stop()
  }
}

/// Suspends until SIGINT or SIGTERM arrives.
enum StopSignal {
  static func wait() async {
    let (stream, continuation) = AsyncStream<Int32>.makeStream()
    var sources: [any DispatchSourceSignal] = []
    for number in [SIGINT, SIGTERM] {
      signal(number, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
      source.setEventHandler { continuation.yield(number) }
      source.resume()
      sources.append(source)
    }
    for await _ in stream { break }
    for source in sources { source.cancel() }
  }
}
