import FalProtocol

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Everything the studio knows about one generation, as one value.
///
/// The history keeps whole snapshots of this value (the last one of an id wins), so a record must be
/// complete on its own: enough to re-attach to the job after a crash (`requestID`), to re-run it
/// exactly (`input`, `source`), to find the video after fal's CDN link expires (`localFile`) and to
/// account for its cost (`billing`). There is deliberately no place for HTTP headers or credentials:
/// the API key can never reach the file because no field could hold it.
///
/// Timestamps are kept to the millisecond (the file's precision).
public struct GenerationRecord: Sendable, Hashable {
  /// How many log lines a record keeps: enough to diagnose a failure, small enough for 100,000 records.
  public static let logLimit = 20

  /// The studio's own id for the generation (not fal's request id, which exists only after submit).
  public var id: String
  public var createdAt: Date
  /// When any field last changed; the moment of the latest snapshot.
  public var updatedAt: Date
  public var status: GenerationStatus
  public var mode: MagiMode
  public var model: MagiModel
  /// The full endpoint id the request went to, e.g. `fal-ai/magi-distilled/image-to-video`.
  public var endpointID: String
  /// The prompt, repeated from `input` so that the index can show and search it without decoding.
  public var prompt: String
  /// The request body exactly as sent (every input parameter).
  public var input: JSONValue
  /// The source image or video, when the mode takes one.
  public var source: Source?
  /// fal's request id, once submit has answered.
  public var requestID: String?
  /// The queue the request went to (`https://queue.fal.run`, a fal-compatible server, or
  /// `embedded:` + the offline emulator's URL), so a resume asks the server that knows the id.
  public var server: String?
  /// True for a job of the embedded offline emulator (the twin): never billed.
  public var ranOnEmbeddedTwin: Bool { server?.hasPrefix(Self.embeddedServerPrefix) == true }
  /// Marks ``server`` for the embedded offline emulator.
  public static let embeddedServerPrefix = "embedded:"
  /// Every status change with its time, oldest first.
  public var transitions: [StatusChange]
  public var progress: Progress
  /// The last ``logLimit`` log lines.
  public var logs: [LogEntry]
  public var result: Output?
  /// The downloaded video, once it is on disk.
  public var localFile: LocalFile?
  public var billing: Billing?
  /// The record whose video this job extends (extend-video chains).
  public var parentID: String?
  /// Why the job failed or was cancelled.
  public var failure: Failure?
  /// Where the user asked for a copy of the video (`--download DIR`), so that a job finished by a
  /// later `resume` still puts it there.
  public var copyDirectory: String?
  /// When this studio asked fal to cancel the job: whatever end it then reaches short of a video
  /// counts as cancelled, whichever `error_type` fal gives it.
  public var cancelRequestedAt: Date? = nil
  /// Where fal POSTs the result when the request finishes (`fal_webhook`), as sent: a resend sends
  /// it again, and the user can see which endpoint was told.
  public var webhook: String? = nil
  /// fal's queue priority (`normal` or `low`) the request was sent with, when one was chosen.
  public var priority: String? = nil
  /// Seconds the request was allowed to wait before starting (`X-Fal-Request-Timeout`).
  public var startTimeout: Double? = nil
  /// The batch this job was submitted in (one `generate` with variations, or one `batch` file): every
  /// record of one invocation shares it. Absent for a single job.
  public var batchID: String? = nil
  /// The user picked this one as the best of a compare (shown as ★ in the history).
  public var starred = false
  /// When the user discarded the video of this record (a compare's losers): the file is deleted,
  /// the record kept, and the video is not fetched again.
  public var videoDiscardedAt: Date? = nil

  /// Finished on fal, but its video is not downloaded yet (the studio stopped mid-download, or the
  /// download failed): what a resume still has to do. Kept in the line's head, so that finding these
  /// among 100,000 records needs no record decoded.
  public var awaitsVideo: Bool {
    status == .completed && failure == nil && localFile == nil && videoDiscardedAt == nil
  }

  public init(
    id: String, createdAt: Date = GenerationRecord.now(), updatedAt: Date? = nil,
    status: GenerationStatus = .submitting, mode: MagiMode, model: MagiModel = .distilled,
    endpointID: String? = nil, prompt: String? = nil, input: JSONValue, source: Source? = nil,
    requestID: String? = nil, server: String? = nil, transitions: [StatusChange]? = nil,
    progress: Progress = Progress(),
    logs: [LogEntry] = [], result: Output? = nil, localFile: LocalFile? = nil, billing: Billing? = nil,
    parentID: String? = nil, failure: Failure? = nil, copyDirectory: String? = nil
  ) {
    self.id = id
    self.createdAt = createdAt
    self.updatedAt = updatedAt ?? createdAt
    self.status = status
    self.mode = mode
    self.model = model
    self.endpointID = endpointID ?? MagiEndpoint(mode: mode, model: model).id.full
    self.prompt = prompt ?? input["prompt"]?.stringValue ?? ""
    self.input = input
    self.source = source
    self.requestID = requestID
    self.server = server
    self.transitions = transitions ?? [StatusChange(status: status, at: createdAt)]
    self.progress = progress
    self.logs = Array(logs.suffix(Self.logLimit))
    self.result = result
    self.localFile = localFile
    self.billing = billing
    self.parentID = parentID
    self.failure = failure
    self.copyDirectory = copyDirectory
  }

  /// The current time at the file's precision (the millisecond), so that a record reads back equal.
  public static func now() -> Date {
    Timestamp.rounded(Date())
  }

  /// Moves to `status`, noting when; a no-op for the current status (repeated polls are not changes).
  public mutating func transition(to status: GenerationStatus, at date: Date = GenerationRecord.now()) {
    updatedAt = date
    guard status != self.status else { return }
    self.status = status
    transitions.append(StatusChange(status: status, at: date))
  }

  /// Appends log lines, keeping only the last ``logLimit``.
  public mutating func appendLogs(_ entries: [LogEntry]) {
    logs.append(contentsOf: entries)
    if logs.count > Self.logLimit { logs.removeFirst(logs.count - Self.logLimit) }
  }
}

extension GenerationRecord {
  /// The source media as the user gave it and as fal received it.
  public struct Source: Sendable, Codable, Hashable {
    /// What the user typed: a local path or a URL.
    public var given: String
    /// The URL fal received (the storage upload of a local file, or `given` itself).
    public var uploadedURL: String?

    public init(given: String, uploadedURL: String? = nil) {
      self.given = given
      self.uploadedURL = uploadedURL
    }

    enum CodingKeys: String, CodingKey {
      case given
      case uploadedURL = "uploaded_url"
    }
  }

  public struct StatusChange: Sendable, Codable, Hashable {
    public var status: GenerationStatus
    public var at: Date

    public init(status: GenerationStatus, at: Date) {
      self.status = status
      self.at = at
    }
  }

  /// The last queue and progress figures seen, so a list can show them without the network.
  public struct Progress: Sendable, Codable, Hashable {
    public var queuePosition: Int?
    public var stepsDone: Int?
    public var stepsTotal: Int?

    public init(queuePosition: Int? = nil, stepsDone: Int? = nil, stepsTotal: Int? = nil) {
      self.queuePosition = queuePosition
      self.stepsDone = stepsDone
      self.stepsTotal = stepsTotal
    }

    enum CodingKeys: String, CodingKey {
      case queuePosition = "queue_position"
      case stepsDone = "steps_done"
      case stepsTotal = "steps_total"
    }
  }

  /// What fal returned: the video and the seed it used.
  public struct Output: Sendable, Codable, Hashable {
    public var videoURL: String
    public var contentType: String?
    public var fileSize: Int?
    public var seed: Int?

    public init(videoURL: String, contentType: String? = nil, fileSize: Int? = nil, seed: Int? = nil) {
      self.videoURL = videoURL
      self.contentType = contentType
      self.fileSize = fileSize
      self.seed = seed
    }

    /// The output as fal's `{"video": File, "seed": n}` gives it.
    public init(_ output: VideoOutput) {
      self.init(
        videoURL: output.video.url, contentType: output.video.contentType, fileSize: output.video.fileSize,
        seed: output.seed)
    }

    enum CodingKeys: String, CodingKey {
      case videoURL = "video_url"
      case contentType = "content_type"
      case fileSize = "file_size"
      case seed
    }
  }

  /// The downloaded copy of the video: fal's links expire, this does not.
  public struct LocalFile: Sendable, Codable, Hashable {
    public var path: String
    /// Lowercase hex SHA-256 of the file's bytes, to tell a damaged or replaced copy.
    public var sha256: String?

    public init(path: String, sha256: String? = nil) {
      self.path = path
      self.sha256 = sha256
    }
  }

  /// What fal billed (`x-fal-billable-units`) and what that cost at the price in force.
  public struct Billing: Sendable, Codable, Hashable {
    public var units: Double
    /// US dollars per unit used to work out ``cost``.
    public var pricePerUnit: Double?
    /// US dollars.
    public var cost: Double?

    /// Records `units`, working out the cost at `pricePerUnit` when one is known.
    public init(units: Double, pricePerUnit: Double? = nil) {
      self.units = units
      self.pricePerUnit = pricePerUnit
      self.cost = pricePerUnit.map { units * $0 }
    }

    enum CodingKeys: String, CodingKey {
      case units
      case pricePerUnit = "price_per_unit"
      case cost
    }
  }

  /// Why a job failed or was cancelled: fal's `error_type` (or the studio's own) and the message.
  public struct Failure: Sendable, Codable, Hashable {
    public var type: String
    public var message: String

    public init(type: String, message: String) {
      self.type = type
      self.message = message
    }
  }
}

extension GenerationRecord: Codable {
  /// The format version written in every history line as `"v"`; a later release migrates older lines.
  package static let formatVersion = 1

  /// The keys of the fixed-order head of every line (the store's `HistoryLine`), then the rest.
  package enum CodingKeys: String, CodingKey {
    case version = "v"
    case id, created, updated, status, mode, model, prompt
    case endpointID = "endpoint"
    case input, source
    case requestID = "request_id"
    case server
    case transitions, progress, logs, result
    case localFile = "local_file"
    case billing
    case parentID = "parent_id"
    case failure = "error"
    case copyDirectory = "copy_dir"
    case cancelRequestedAt = "cancel_requested"
    case webhook, priority
    case startTimeout = "start_timeout"
    case batchID = "batch"
    case starred
    case videoDiscardedAt = "video_discarded"
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let version = try container.decodeIfPresent(Int.self, forKey: .version) ?? GenerationRecord.formatVersion
    guard version <= GenerationRecord.formatVersion else {
      throw DecodingError.dataCorruptedError(
        forKey: .version, in: container,
        debugDescription: "record format \(version) is newer than this studio's (\(GenerationRecord.formatVersion))")
    }
    id = try container.decode(String.self, forKey: .id)
    createdAt = try container.decode(Date.self, forKey: .created)
    updatedAt = try container.decodeIfPresent(Date.self, forKey: .updated) ?? createdAt
    status = try container.decode(GenerationStatus.self, forKey: .status)
    mode = try container.decode(MagiMode.self, forKey: .mode)
    model = try container.decodeIfPresent(MagiModel.self, forKey: .model) ?? .distilled
    input = try container.decodeIfPresent(JSONValue.self, forKey: .input) ?? .object([:])
    prompt = try container.decodeIfPresent(String.self, forKey: .prompt) ?? input["prompt"]?.stringValue ?? ""
    endpointID =
      try container.decodeIfPresent(String.self, forKey: .endpointID)
      ?? MagiEndpoint(mode: mode, model: model).id.full
    source = try container.decodeIfPresent(Source.self, forKey: .source)
    requestID = try container.decodeIfPresent(String.self, forKey: .requestID)
    server = try container.decodeIfPresent(String.self, forKey: .server)
    transitions = try container.decodeIfPresent([StatusChange].self, forKey: .transitions) ?? []
    progress = try container.decodeIfPresent(Progress.self, forKey: .progress) ?? Progress()
    logs = try container.decodeIfPresent([LogEntry].self, forKey: .logs) ?? []
    result = try container.decodeIfPresent(Output.self, forKey: .result)
    localFile = try container.decodeIfPresent(LocalFile.self, forKey: .localFile)
    billing = try container.decodeIfPresent(Billing.self, forKey: .billing)
    parentID = try container.decodeIfPresent(String.self, forKey: .parentID)
    failure = try container.decodeIfPresent(Failure.self, forKey: .failure)
    copyDirectory = try container.decodeIfPresent(String.self, forKey: .copyDirectory)
    cancelRequestedAt = try container.decodeIfPresent(Date.self, forKey: .cancelRequestedAt)
    webhook = try container.decodeIfPresent(String.self, forKey: .webhook)
    priority = try container.decodeIfPresent(String.self, forKey: .priority)
    startTimeout = try container.decodeIfPresent(Double.self, forKey: .startTimeout)
    batchID = try container.decodeIfPresent(String.self, forKey: .batchID)
    starred = try container.decodeIfPresent(Bool.self, forKey: .starred) ?? false
    videoDiscardedAt = try container.decodeIfPresent(Date.self, forKey: .videoDiscardedAt)
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(GenerationRecord.formatVersion, forKey: .version)
    try container.encode(id, forKey: .id)
    try container.encode(createdAt, forKey: .created)
    try container.encode(updatedAt, forKey: .updated)
    try container.encode(status, forKey: .status)
    try container.encode(mode, forKey: .mode)
    try container.encode(model, forKey: .model)
    try container.encode(prompt, forKey: .prompt)
    try encodeBody(into: &container)
  }

  /// Everything but the fixed head: the line writer writes the head itself, in its fixed order.
  package func encodeBody(into container: inout KeyedEncodingContainer<CodingKeys>) throws {
    try container.encode(endpointID, forKey: .endpointID)
    try container.encode(input, forKey: .input)
    try container.encodeIfPresent(source, forKey: .source)
    try container.encodeIfPresent(requestID, forKey: .requestID)
    try container.encodeIfPresent(server, forKey: .server)
    try container.encode(transitions, forKey: .transitions)
    try container.encode(progress, forKey: .progress)
    try container.encode(logs, forKey: .logs)
    try container.encodeIfPresent(result, forKey: .result)
    try container.encodeIfPresent(localFile, forKey: .localFile)
    try container.encodeIfPresent(billing, forKey: .billing)
    try container.encodeIfPresent(parentID, forKey: .parentID)
    try container.encodeIfPresent(failure, forKey: .failure)
    try container.encodeIfPresent(copyDirectory, forKey: .copyDirectory)
    try container.encodeIfPresent(cancelRequestedAt, forKey: .cancelRequestedAt)
    try container.encodeIfPresent(webhook, forKey: .webhook)
    try container.encodeIfPresent(priority, forKey: .priority)
    try container.encodeIfPresent(startTimeout, forKey: .startTimeout)
    try container.encodeIfPresent(batchID, forKey: .batchID)
    // Written only when set, so lines of records never starred read as before.
    if starred { try container.encode(true, forKey: .starred) }
    try container.encodeIfPresent(videoDiscardedAt, forKey: .videoDiscardedAt)
  }
}
