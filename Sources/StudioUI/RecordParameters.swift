import FalProtocol
import HistoryModel

/// The parameters of a past generation, read back from the request body it recorded, so that it
/// can be re-run as it was, loaded into the form, or extended.
public struct RecordParameters: Sendable, Hashable {
  public var id: String
  public var mode: MagiMode
  public var model: MagiModel
  public var prompt: String
  /// What the user gave as the source (a path or a URL).
  public var source: String?
  /// The URL fal received for the source.
  public var sourceURL: String?
  public var numFrames: Int?
  public var steps: Int?
  public var resolution: String?
  public var aspectRatio: String?
  public var seed: Int?
  public var startFrame: Int?
  public var safetyChecker: Bool?
  public var parentID: String?
  /// The webhook the record was sent with.
  public var webhook: String?

  public init(_ record: GenerationRecord) {
    id = record.id
    mode = record.mode
    model = record.model
    prompt = record.prompt
    let input = record.input
    sourceURL = record.mode.sourceField.flatMap { input[$0]?.stringValue } ?? record.source?.uploadedURL
    source = record.source?.given ?? sourceURL
    numFrames = input["num_frames"]?.intValue
    steps = input["num_inference_steps"]?.intValue ?? input["num_inference_steps"]?.stringValue.flatMap { Int($0) }
    resolution = input["resolution"]?.stringValue
    aspectRatio = input["aspect_ratio"]?.stringValue
    // The seed fal reports having used beats the one asked for (none, when it was random).
    seed = record.result?.seed ?? input["seed"]?.intValue
    startFrame = input["start_frame"]?.intValue
    if case .bool(let flag)? = input["enable_safety_checker"] { safetyChecker = flag }
    parentID = record.parentID
    webhook = record.webhook
  }

  /// The request exactly as it was sent (the seed as asked for, so a random seed stays random).
  public static func request(of record: GenerationRecord) -> MagiRequest {
    let parameters = RecordParameters(record)
    let input = record.input
    return MagiRequest(
      endpoint: MagiEndpoint(mode: record.mode, model: record.model), prompt: record.prompt,
      sourceURL: parameters.sourceURL, numFrames: parameters.numFrames, seed: input["seed"]?.intValue,
      resolution: parameters.resolution, numInferenceSteps: parameters.steps,
      enableSafetyChecker: parameters.safetyChecker, aspectRatio: parameters.aspectRatio,
      startFrame: parameters.startFrame)
  }
}
