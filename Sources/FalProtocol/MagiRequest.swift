/// A MAGI-1 request as a user fills it in: only the fields they set are sent, so that fal's defaults
/// apply to the rest (and stay fal's to change).
public struct MagiRequest: Sendable, Hashable, Codable {
  public var endpoint: MagiEndpoint
  public var prompt: String
  /// `image_url` or `video_url` depending on the mode: an http(s) or data URL.
  public var sourceURL: String?
  public var numFrames: Int?
  public var seed: Int?
  public var resolution: String?
  public var numInferenceSteps: Int?
  public var enableSafetyChecker: Bool?
  public var aspectRatio: String?
  public var startFrame: Int?

  public init(
    endpoint: MagiEndpoint, prompt: String, sourceURL: String? = nil, numFrames: Int? = nil, seed: Int? = nil,
    resolution: String? = nil, numInferenceSteps: Int? = nil, enableSafetyChecker: Bool? = nil,
    aspectRatio: String? = nil, startFrame: Int? = nil
  ) {
    self.endpoint = endpoint
    self.prompt = prompt
    self.sourceURL = sourceURL
    self.numFrames = numFrames
    self.seed = seed
    self.resolution = resolution
    self.numInferenceSteps = numInferenceSteps
    self.enableSafetyChecker = enableSafetyChecker
    self.aspectRatio = aspectRatio
    self.startFrame = startFrame
  }

  /// The JSON body fal receives.
  public var body: JSONValue {
    var object: [String: JSONValue] = ["prompt": .string(prompt)]
    if let field = endpoint.mode.sourceField, let sourceURL { object[field] = .string(sourceURL) }
    if let numFrames { object["num_frames"] = .int(numFrames) }
    if let seed { object["seed"] = .int(seed) }
    if let resolution { object["resolution"] = .string(resolution) }
    // Sent as an integer: fal's current schema (Aug 2026) types it so; the emulator takes both forms.
    if let numInferenceSteps { object["num_inference_steps"] = .int(numInferenceSteps) }
    if let enableSafetyChecker { object["enable_safety_checker"] = .bool(enableSafetyChecker) }
    if let aspectRatio { object["aspect_ratio"] = .string(aspectRatio) }
    if endpoint.mode == .extendVideo, let startFrame { object["start_frame"] = .int(startFrame) }
    return .object(object)
  }

  /// The schema's verdict on this request, with defaults filled in.
  public func validated() -> Result<MagiSchema.Input, ValidationFailure> {
    MagiSchema.validate(body, for: endpoint)
  }

  /// Billing units this request will cost once valid (defaults applied).
  public var billingUnits: Double {
    MagiSchema.billingUnits(
      numFrames: numFrames ?? MagiSchema.defaultFrames, resolution: resolution ?? MagiSchema.defaultResolution,
      numInferenceSteps: numInferenceSteps ?? MagiSchema.defaultSteps)
  }

  /// Estimated price in US dollars at `pricePerUnit` (the model's published price by default).
  public func estimatedPrice(pricePerUnit: Double? = nil) -> Double {
    billingUnits * (pricePerUnit ?? endpoint.model.defaultPricePerUnit)
  }
}
