import ArgumentParser
import FalClient
import FalProtocol
import Foundation
import HistoryStore
import StudioCore
import Synchronization
import TerminalScreen

/// Submits a MAGI-1 request, and with `--wait` follows it to the end and fetches (and downloads) the video.
struct GenerateCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "generate",
    abstract: "Generate a video (image-to-video, text-to-video or extend a video).",
    discussion: """
      The mode follows the source: --image makes image-to-video, --video extends a video, neither is
      text-to-video. Local files are uploaded to fal's storage first; URLs are passed as they are.
      Every value is checked against the model's schema before anything is sent.
      """)

  @Option(name: [.short, .long], help: "What the video should show.")
  var prompt: String

  @Option(help: ArgumentHelp("The first frame: a local image file or an http(s)/data URL.", valueName: "path|url"))
  var image: String?

  @Option(help: ArgumentHelp("The video to extend: a local file or an http(s)/data URL.", valueName: "path|url"))
  var video: String?

  @Option(help: "image-to-video (i2v), text-to-video (t2v) or extend-video (ext) (default: from --image/--video).")
  var mode: MagiMode?

  @Option(help: "distilled (faster, cheaper) or full.")
  var model: MagiModel = .distilled

  // `.unconditional`: a negative number is a value to check against the schema, not an option.
  @Option(parsing: .unconditional, help: "Frames to generate, 96–192 at 24 fps (fal default 96).")
  var numFrames: Int?

  @Option(parsing: .unconditional, help: "Seed for a reproducible video (default: random).")
  var seed: Int?

  @Option(help: "480p or 720p (fal default 720p).")
  var resolution: String?

  @Option(
    name: [.customLong("steps"), .customLong("num-inference-steps")], parsing: .unconditional,
    help: "Inference steps: 4, 8, 16 or 32 (64 on the full model; fal default 16).")
  var steps: Int?

  @Option(help: "auto, 16:9, 9:16 or 1:1 (fal default auto).")
  var aspectRatio: String?

  @Option(parsing: .unconditional, help: "Extend mode: frames of the input kept unchanged.")
  var startFrame: Int?

  @Flag(inversion: .prefixedEnableDisable, help: "fal's safety checker (fal default: enabled).")
  var safetyChecker: Bool?

  @Flag(help: "Send a small local file inline as a data URI instead of uploading it.")
  var inline = false

  @Option(help: ArgumentHelp("URL fal POSTs the result to when the request finishes.", valueName: "url"))
  var webhook: String?

  @Flag(help: "Send no webhook, not even config.toml's default one.")
  var noWebhook = false

  @Option(help: "Queue priority: normal or low.")
  var priority: String?

  @Option(
    help: ArgumentHelp(
      "Seconds the request may wait in fal's queue before it starts; then it ends unrun (exit 124).",
      valueName: "seconds"))
  var startTimeout: Double?

  @Flag(help: "Say how the source is sent (upload route, fallback, reuse) on stderr.")
  var verbose = false

  @Flag(help: "Follow the request to the end, showing queue position and logs, then print the result.")
  var wait = false

  @Flag(
    help:
      "Run on fal's synchronous endpoint: one blocking call, no queue or logs, then the result (as --wait prints it).")
  var sync = false

  @Option(help: ArgumentHelp("With --wait: download the video into this directory.", valueName: "dir"))
  var download: String?

  @Flag(help: "Print the result as JSON on stdout.")
  var json = false

  @Flag(help: "Print the request body and its cost estimate; send nothing.")
  var dryRun = false

  @Flag(help: "On Ctrl-C, cancel the request on fal instead of leaving it running.")
  var cancelOnInterrupt = false

  @Option(help: ArgumentHelp("Variations: this many jobs, each with a random seed.", valueName: "n"))
  var seeds: Int?

  @Option(help: ArgumentHelp("Variations: one job per seed in this comma-separated list.", valueName: "1,2,3"))
  var seedList: String?

  @Option(
    help: ArgumentHelp(
      "Variations: one job per value (repeatable; several make a product), e.g. steps=8,16 or resolution=480p,720p.",
      valueName: "param=v1,v2"))
  var vary: [String] = []

  @Option(help: ArgumentHelp("Variations: at most this many jobs in flight at once.", valueName: "n"))
  var maxParallel = 4

  @Flag(help: "Submit even when config.toml's [budget] would be passed.")
  var yes = false

  @OptionGroup var connection: ConnectionOptions
  @OptionGroup var store: StoreOptions

  var endpoint: MagiEndpoint {
    let resolved: MagiMode = mode ?? (video != nil ? .extendVideo : image != nil ? .imageToVideo : .textToVideo)
    return MagiEndpoint(mode: resolved, model: model)
  }

  func validate() throws {
    if let seeds, !(1...Variations.maxJobs).contains(seeds) {
      throw ValidationError("--seeds must be from 1 to \(Variations.maxJobs), not \(seeds)")
    }
    if seeds != nil, seedList != nil { throw ValidationError("--seeds and --seed-list contradict each other") }
    if seed != nil, seeds != nil || seedList != nil {
      throw ValidationError("--seed makes one job; use --seed-list for several seeds")
    }
    if let seedList { _ = try Self.parseSeedList(seedList) }
    guard maxParallel >= 1 else { throw ValidationError("--max-parallel must be 1 or more, not \(maxParallel)") }
    if let priority, !["normal", "low"].contains(priority) {
      throw ValidationError("--priority must be normal or low")
    }
    if download != nil, !wait, !sync, !isBatch { throw ValidationError("--download needs --wait or --sync") }
    if sync {
      // fal's synchronous endpoint has no queue: nothing to prioritise, notify or cancel.
      for (name, given) in [
        ("--webhook", webhook != nil), ("--priority", priority != nil), ("--cancel-on-interrupt", cancelOnInterrupt),
        ("--wait", wait),
      ] where given {
        throw ValidationError("--sync takes no \(name): the synchronous endpoint has no queue")
      }
    }
    if let webhook, WebhookURL.problem(with: webhook) != nil {
      throw ValidationError("--webhook must be an http(s) URL such as https://example.com/hook, not '\(webhook)'")
    }
    if webhook != nil, noWebhook { throw ValidationError("--webhook and --no-webhook contradict each other") }
    if let startTimeout, !(startTimeout > 1 && startTimeout <= 86_400) {
      throw ValidationError("--start-timeout must be more than 1 and at most 86400 seconds")
    }
    switch endpoint.mode {
    case .textToVideo where image != nil || video != nil:
      throw ValidationError("text-to-video takes no --image or --video")
    case .imageToVideo where video != nil:
      throw ValidationError("image-to-video takes --image, not --video")
    case .extendVideo where image != nil:
      throw ValidationError("extend-video takes --video, not --image")
    default: break
    }
  }

  @Option(
    help: ArgumentHelp(
      "Extend mode: the history record this video continues (set automatically by `extend`).", valueName: "id"))
  var parent: String?

  func run() async throws {
    try await reportingFailures {
      let source = try SourceMedia.parse(
        endpoint.mode == .extendVideo ? video : image, mode: endpoint.mode, inline: inline)
      var request = MagiRequest(
        endpoint: endpoint, prompt: prompt, sourceURL: source?.validationStandIn,
        numFrames: numFrames, seed: seed, resolution: resolution, numInferenceSteps: steps,
        enableSafetyChecker: safetyChecker, aspectRatio: aspectRatio, startFrame: startFrame)
      let variations = try variations(of: request)
      if isBatch {
        try await runBatch(variations, source: source)
        return
      }
      request = variations[0]
      // Every field is checked before an upload or a submit is paid for.
      if case .failure(let failure) = request.validated() { throw CommandFailure(.invalidInput(failure.errors)) }
      if let download { try OutputDirectory.prepare(download) }
      if dryRun {
        Console.stdout(String(decoding: request.body.encoded(), as: UTF8.self))
        Console.line(
          "\(endpoint.id.full): \(Figures.units(request.billingUnits)) billing units, about \(Figures.dollars(request.estimatedPrice()))"
        )
        return
      }
      // config.toml's default webhook, unless this command names its own or none (a sync run has none).
      let hook = noWebhook || sync ? nil : webhook ?? StudioConfig.load(paths: store.paths).config.webhook
      try await Session.using(connection, store: store, verbose: verbose) { session in
        try await BudgetGate.check([request], session: session, paths: store.paths, yes: yes)
        if sync {
          let final = try await studio {
            try await session.jobs.runSync(
              request, source: source, parentID: parent, startTimeout: startTimeout,
              copyDirectory: download.map(StoreOptions.absolute))
          }
          try finish(final)
          return
        }
        let record = try await studio {
          try await session.jobs.submit(
            request, source: source, parentID: parent,
            options: .init(webhookURL: hook, priority: priority, startTimeout: startTimeout),
            copyDirectory: download.map(StoreOptions.absolute))
        }
        Console.line("submitted \(record.requestID ?? "") to \(endpoint.id.full) (history id \(record.id))")
        guard wait else {
          Console.stdout(json ? Self.jsonString(RecordJSON.object(record)) : record.requestID ?? record.id)
          return
        }
        let interrupt = InterruptHandler(
          jobs: session.jobs, recordID: record.id, requestID: record.requestID ?? "", cancel: cancelOnInterrupt)
        defer { interrupt.disarm() }
        let final = try await studio { try await FollowGiveUp.follow(session, recordID: record.id) }
        try finish(final)
      }
    }
  }

  /// Whether this invocation stands for several jobs (or was asked for as variations): those are
  /// always followed to their end, as `--wait` does.
  var isBatch: Bool {
    seeds != nil || seedList != nil || !vary.isEmpty || ((try? Variations.expandPrompt(prompt).count) ?? 1) > 1
  }

  /// `1,2,3` → seeds; refused with one line naming the bad item.
  static func parseSeedList(_ text: String) throws -> [Int] {
    let items = text.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingWhitespace() }
    return try items.map { item in
      guard let seed = Int(item), seed >= 0 else {
        throw ValidationError("--seed-list: '\(item)' is not a seed (a whole number, 0 or more), in '\(text)'")
      }
      return seed
    }
  }

  /// Every request this invocation stands for: the prompt's `{a|b}` alternatives × each `--vary`
  /// × the seeds, each checked against the schema before anything is sent.
  func variations(of request: MagiRequest) throws -> [MagiRequest] {
    do {
      let axes = try vary.map { spec throws(VariationError) in
        try Variations.parseVary(Variations.schemaName(inVary: spec), for: endpoint)
      }
      var generator = SystemRandomNumberGenerator()
      let seedValues =
        try seedList.map(Self.parseSeedList) ?? seeds.map { Variations.randomSeeds($0, using: &generator) } ?? []
      guard case .object(let base) = request.body else { return [request] }
      let count = Variations.jobCount(
        prompts: try Variations.promptCount(request.prompt), axes: axes.map(\.values.count), seeds: seedValues.count)
      guard count <= Variations.maxJobs else {
        throw CommandFailure(
          message: "these variations make \(count) jobs; at most \(Variations.maxJobs) at once",
          code: ExitStatus.invalidInput
        )
      }
      let requests = try Variations.expand(base, axes: axes, seeds: seedValues).map { fields in
        var varied = MagiRequest(endpoint: endpoint, fields: fields)
        varied.sourceURL = request.sourceURL
        return varied
      }
      // One job is checked (and its errors worded) as a plain generate's is.
      for (index, varied) in requests.enumerated() where requests.count > 1 {
        if case .failure(let failure) = varied.validated() {
          let errors = failure.errors.map(\.description).joined(separator: "; ")
          throw CommandFailure(message: "job \(index + 1): \(errors)", code: ExitStatus.invalidInput)
        }
      }
      return requests
    } catch let error as VariationError {
      throw CommandFailure(message: error.description, code: ExitStatus.invalidInput)
    }
  }

  /// Several jobs (variations): each submitted under one batch id and followed to its end.
  private func runBatch(_ requests: [MagiRequest], source: MediaInput?) async throws {
    if sync {
      throw CommandFailure(
        message: "--sync runs one job; variations go through the queue", code: ExitStatus.invalidInput)
    }
    if cancelOnInterrupt {
      // A batch interrupted leaves the jobs it sent running; taking the flag would promise otherwise.
      throw CommandFailure(
        message:
          "--cancel-on-interrupt cancels one job; a batch's jobs carry on when it is interrupted (cancel them with magi-studio cancel)",
        code: ExitStatus.invalidInput)
    }
    if let download { try OutputDirectory.prepare(download) }
    if dryRun {
      var total = 0.0
      for request in requests {
        Console.stdout(String(decoding: request.body.encoded(), as: UTF8.self))
        total += request.estimatedPrice()
      }
      Console.line("\(endpoint.id.full): \(requests.count) jobs, about \(Figures.dollars(total)) in all")
      return
    }
    let hook = noWebhook ? nil : webhook ?? StudioConfig.load(paths: store.paths).config.webhook
    let options = FalQueueClient.SubmitOptions(webhookURL: hook, priority: priority, startTimeout: startTimeout)
    let jobs = requests.enumerated().map { index, request in
      BatchJob(request: request, source: source, options: options, parentID: parent, label: "job \(index + 1)")
    }
    let code = try await Session.using(
      connection, store: store, verbose: verbose, retryPolicy: .batch, events: JobEventPrinter(labelled: true)
    ) { session in
      try await BudgetGate.check(requests, session: session, paths: store.paths, yes: yes)
      return await BatchRun.run(
        jobs, session: session, options: .init(maxParallel: maxParallel, json: json, copyDirectory: download))
    }
    if code != 0 { throw ExitCode(code) }
  }

  /// Reports a job that ended: its result (and where its video is), or why it has none, with the
  /// exit code for that.
  private func finish(_ final: GenerationRecord) throws {
    guard final.status == .completed, final.localFile != nil else {
      throw CommandFailure(
        message: "request \(final.requestID ?? final.id) \(final.status.rawValue): \(final.failure?.message ?? "")",
        code: final.status == .cancelled
          ? ExitStatus.cancelled : ExitStatus.code(forFailureType: final.failure?.type))
    }
    // The generation runner placed the copy (a `resume` after a crash does too).
    let copied = final.copyDirectory.flatMap { directory in
      final.localFile.map { VideoCopy.target(of: $0.path, in: directory) }
    }
    printResult(final, copy: copied)
  }

  private func printResult(_ record: GenerationRecord, copy: String?) {
    if json {
      Console.stdout(Self.jsonString(RecordJSON.object(record, extra: copy.map { ["copy": .string($0)] } ?? [:])))
      return
    }
    if let result = record.result {
      Console.stdout("video: \(result.videoURL)")
      if let seed = result.seed { Console.stdout("seed: \(seed)") }
    }
    if let billing = record.billing {
      Console.stdout("billing units: \(Figures.units(billing.units)) (about \(Figures.dollars(billing.cost ?? 0)))")
    } else {
      Console.stdout("billing units: unknown")
    }
    if let local = record.localFile { Console.stdout("saved: \(local.path)") }
    if let copy { Console.stdout("copied to: \(copy)") }
  }

  static func jsonString(_ value: JSONValue) -> String { TerminalSafeJSON.escape(value.encoded()) }

}

extension MagiMode: ExpressibleByArgument {
  /// `--mode` takes what the studio shows (`i2v`) as well as the full name (``MagiMode/init(named:)``).
  public init?(argument: String) { self.init(named: argument) }
}
extension MagiModel: ExpressibleByArgument {}

/// What Ctrl-C does while a command waits on a request: say how to pick it up again (or cancel it).
final class InterruptHandler: Sendable {
  private let source: Mutex<(any DispatchSourceSignal)?>

  /// With `cancel`, Ctrl-C cancels through the generation runner, so the history records the cancel
  /// (and the job's end, when fal ends it within a few seconds).
  init(jobs: GenerationRunner, recordID: String, requestID: String, cancel: Bool) {
    signal(SIGINT, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
    source.setEventHandler {
      if cancel {
        Console.line("cancelling \(requestID)…")
        let done = DispatchSemaphore(value: 0)
        Task {
          _ = try? await jobs.cancel(recordID: recordID)
          done.signal()
        }
        _ = done.wait(timeout: .now() + 15)
      } else {
        Console.line(
          "stopped waiting; request \(requestID) keeps running on the server. Follow it with: magi-studio status \(requestID) --wait"
        )
      }
      exit(ExitStatus.cancelled)
    }
    source.resume()
    self.source = Mutex(source)
  }

  func disarm() {
    source.withLock {
      $0?.cancel()
      $0 = nil
    }
    signal(SIGINT, SIG_DFL)
  }
}
