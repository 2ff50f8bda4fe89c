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

  func run(_ job: Job, worker: Int, on queue: QueueModel) async {
    let id = job.id
    await queue.appendLog(id, "Request picked up by runner emulator-\(worker)")
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
    let seed = input.seed ?? Int.random(in: 0..<(1 << 31))
    await queue.appendLog(id, "Loading MAGI-1 \(endpoint.model.rawValue) weights for \(endpoint.mode.rawValue)")
    let source = await prepareSource(input.sourceURL, mode: endpoint.mode, jobID: id)
    var sourceSize: (width: Int, height: Int)?
    if let sourceFile = source.file { sourceSize = await renderer.probeSize(of: sourceFile) }
    let geometry = VideoGeometry.resolve(
      resolution: input.resolution, aspectRatio: input.aspectRatio, sourceSize: sourceSize)
    await queue.appendLog(
      id,
      "Generating \(input.numFrames) frames at \(geometry) (\(input.resolution)), \(input.numInferenceSteps) steps, seed \(seed)"
    )
    for step in 1...input.numInferenceSteps {
      do {
        try await clock.sleep(stepDuration)
      } catch {
        return  // the emulator is stopping
      }
      if await queue.isCancelRequested(id) {
        await queue.finish(id, with: .failure(await queue.cancelEnding(id)))
        return
      }
      await queue.appendLog(id, "Step \(step)/\(input.numInferenceSteps)")
    }
    await queue.appendLog(id, "Encoding video")
    let temporary = await storage.temporaryPath().appendingPathExtension("mp4")
    defer {
      if source.isTemporary, let file = source.file { try? FileManager.default.removeItem(at: file) }
    }
    do {
      try await renderer.render(
        source: source.renderSource, geometry: geometry, frames: input.numFrames, fps: MagiSchema.framesPerSecond,
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
    await queue.finish(
      id, with: .success(output: JSONCoding.encode(output), billableUnits: MagiSchema.billingUnits(of: input)))
  }

  /// Parses the raw body like FastAPI would, then applies the MAGI schema.
  static func parse(_ body: Data, for endpoint: MagiEndpoint) -> Result<MagiSchema.Input, ValidationFailure> {
    if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
      return .failure(ValidationFailure([FieldError(loc: ["body"], msg: "Field required", type: "missing", input: .null)]))
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
    if let stored = await storage.localFile(forURL: url, baseURL: baseURL.current) {
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
