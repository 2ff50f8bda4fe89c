import FalProtocol
import Foundation

/// The simulated fal app behind the six MAGI-1 endpoints, run by the queue's workers.
///
/// It behaves like a fal app after queueing: unknown paths end with fal's 404, invalid input with
/// a Pydantic-style 422 (the same ``MagiSchema`` the client validates with), and valid input runs
/// one log line per inference step and ends with a real MP4 stored in the emulator's storage.
struct SimulatedApp: JobRunning {
  let stepDuration: Duration
  let clock: EmulatorClock
  let renderer: VideoRenderer
  let storage: StorageService
  let baseURL: SharedBaseURL

  /// Runs `job`, or resumes it after a restart: the steps are due at `stepsBegan + n × stepDuration`
  /// of wall-clock time, so lines already logged are not written again, steps that fell due while
  /// the twin was stopped are written at once (stamped when they fell due), and the rest wait.
  func run(_ job: Job, worker: Int, on queue: QueueModel) async {
    let id = job.id
    let began = clock.now()
    let start = job.startedAt ?? began
    let logged = Set(job.logs.map(\.message))
    /// Writes a line unless the run before a restart already did; a line that fell due in the past
    /// carries the time it fell due.
    func say(_ message: String, due: Date? = nil) async {
      guard !logged.contains(message) else { return }
      await queue.appendLog(id, message, at: due.map { min($0, clock.now()) })
    }
    if job.logs.isEmpty {
      await say("Request picked up by runner emulator-\(worker)", due: start)
    }
    guard let endpoint = MagiEndpoint(endpointID: job.endpoint) else {
      await queue.finish(id, with: .failure(.pathNotFound(job.endpoint.path ?? "")))
      return
    }
    let input: MagiSchema.Input
    switch Self.parse(job.body, for: endpoint) {
    case .success(let valid): input = valid
    case .failure(let failure):
      await queue.finish(id, with: .failure(.validation(failure.errors)))
      return
    }
    let seed: Int
    if let fixed = input.seed ?? job.seed {
      seed = fixed
    } else {
      seed = Int.random(in: 0..<(1 << 31))
      await queue.setSeed(id, seed)
    }
    await say("Loading MAGI-1 \(endpoint.model.rawValue) weights for \(endpoint.mode.rawValue)", due: start)
    let source = await prepareSource(input.sourceURL, mode: endpoint.mode, jobID: id)
    var sourceSize: (width: Int, height: Int)?
    if let sourceFile = source.file { sourceSize = await renderer.probeSize(of: sourceFile) }
    let geometry = VideoGeometry.resolve(
      resolution: input.resolution, aspectRatio: input.aspectRatio, sourceSize: sourceSize)
    await say(
      "Generating \(input.numFrames) frames at \(geometry) (\(input.resolution)), \(input.numInferenceSteps) steps, seed \(seed)",
      due: start)
    // The timeline starts after the setup (which may probe the source), so steps are paced evenly.
    let stepsBegan: Date
    if let recorded = job.stepsBegan {
      stepsBegan = recorded
    } else {
      stepsBegan = clock.now()
      await queue.beginSteps(id, at: stepsBegan)
    }
    let step = stepDuration.seconds
    for number in 1...input.numInferenceSteps {
      let message = "Step \(number)/\(input.numInferenceSteps)"
      if logged.contains(message) { continue }
      let due = stepsBegan.addingTimeInterval(step * Double(number))
      let wait = due.timeIntervalSince(clock.now())
      do {
        // Always a suspension point, even with nothing to wait for, so a stop can end the run.
        try await clock.sleep(.seconds(max(0, wait)))
      } catch {
        return  // the emulator is stopping
      }
      if await queue.isCancelRequested(id) {
        await queue.finish(id, with: .failure(await queue.cancelEnding(id)))
        return
      }
      await say(message, due: due)
    }
    let due = stepsBegan.addingTimeInterval(step * Double(input.numInferenceSteps))
    await say("Encoding video", due: due)
    let temporary = await storage.temporaryPath().appendingPathExtension("mp4")
    defer {
      if source.isTemporary, let file = source.file { try? FileManager.default.removeItem(at: file) }
    }
    do {
      try await renderer.render(
        source: source.renderSource, prompt: input.prompt, seed: seed, geometry: geometry, frames: input.numFrames,
        fps: MagiSchema.framesPerSecond,
        to: temporary)
    } catch {
      await queue.appendLog(id, "Encoding failed: \(error)", level: "ERROR")
      await queue.finish(id, with: .failure(.internalError(error.description)))
      return
    }
    if await queue.isCancelRequested(id) {
      await queue.finish(id, with: .failure(await queue.cancelEnding(id)))
      return
    }
    let size = (try? FileManager.default.attributesOfItem(atPath: temporary.path)[.size] as? Int) ?? 0
    let file: StoredFile
    do {
      file = try await storage.store(temporary, fileName: "\(id).mp4", contentType: "video/mp4", size: size)
    } catch {
      await queue.finish(id, with: .failure(.internalError(error.detail)))
      return
    }
    let output = VideoOutput(
      video: FalFile(
        url: baseURL.current + file.urlPath, contentType: "video/mp4", fileName: file.fileName, fileSize: file.size),
      seed: seed)
    await queue.appendLog(id, "Done")
    // A run that caught up after a restart completes when it would have, had the twin kept running.
    await queue.finish(
      id, with: .success(output: JSONCoding.encode(output), billableUnits: MagiSchema.billingUnits(of: input)),
      at: due < began ? due : nil)
  }

  /// How long a request runs once started, for replaying the queue over a stopped interval:
  /// its steps; a request the app refuses ends at once.
  func plannedDuration(of job: Job) -> TimeInterval {
    guard let endpoint = MagiEndpoint(endpointID: job.endpoint),
      case .success(let input) = Self.parse(job.body, for: endpoint)
    else { return 0 }
    return stepDuration.seconds * Double(input.numInferenceSteps)
  }

  /// Parses the raw body like FastAPI would, then applies the MAGI schema.
  static func parse(_ body: Data, for endpoint: MagiEndpoint) -> Result<MagiSchema.Input, ValidationFailure> {
    if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
      return .failure(
        ValidationFailure([FieldError(loc: ["body"], msg: "Field required", type: "missing", input: .null)]))
    }
    guard let json = try? JSONValue.decode(body) else {
      return .failure(
        ValidationFailure([
          FieldError(loc: ["body", "0"], msg: "JSON decode error", type: "json_invalid", input: .object([:]))
        ]))
    }
    return MagiSchema.validate(json, for: endpoint)
  }

  private struct PreparedSource {
    var file: URL?
    var renderSource: VideoRenderer.Source
    /// A decoded `data:` URI, deleted once the clip is rendered.
    var isTemporary = false
  }

  /// Finds the source media offline: our own storage, a `data:` URI, else nothing (pattern).
  private func prepareSource(_ url: String?, mode: MagiMode, jobID: String) async -> PreparedSource {
    guard let url else { return PreparedSource(file: nil, renderSource: .pattern) }
    var file: URL?
    var isTemporary = false
    if let stored = await storage.localFile(forURL: url) {
      file = stored.path
    } else if url.lowercased().hasPrefix("data:"), let data = Self.decodeDataURI(url) {
      let path = await storage.temporaryPath()
      if FileManager.default.createFile(atPath: path.path, contents: data) {
        file = path
        isTemporary = true
      }
    }
    guard let file else { return PreparedSource(file: nil, renderSource: .pattern) }
    return PreparedSource(
      file: file, renderSource: mode == .extendVideo ? .video(file) : .image(file), isTemporary: isTemporary)
  }

  /// Bytes of a `data:[<mime>][;base64],<payload>` URI.
  static func decodeDataURI(_ uri: String) -> Data? {
    guard let comma = uri.firstIndex(of: ",") else { return nil }
    let header = uri[uri.startIndex..<comma].lowercased()
    let payload = String(uri[uri.index(after: comma)...])
    if header.hasSuffix(";base64") {
      return Data(base64Encoded: payload, options: .ignoreUnknownCharacters)
    }
    return payload.removingPercentEncoding.map { Data($0.utf8) }
  }
}

extension Duration {
  /// The duration in seconds, as `Date` arithmetic wants it.
  var seconds: TimeInterval {
    let (whole, attoseconds) = components
    return TimeInterval(whole) + TimeInterval(attoseconds) / 1e18
  }
}
