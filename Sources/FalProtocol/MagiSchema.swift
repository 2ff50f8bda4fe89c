/// The MAGI-1 input schema, applied to raw JSON the way fal's app applies it after queueing.
///
/// The client runs this before submitting (so a typo costs neither money nor queue time) and the
/// emulator runs it in its simulated app (so an invalid request ends COMPLETED with a 422 result).
/// Messages and error types follow Pydantic v2, which fal's apps use.
public enum MagiSchema {
  public static let frameRange = 96...192
  public static let defaultFrames = 96
  public static let resolutions = ["480p", "720p"]
  public static let defaultResolution = "720p"
  public static let aspectRatios = ["auto", "16:9", "9:16", "1:1"]
  public static let defaultAspectRatio = "auto"
  public static let defaultSteps = 16
  public static let framesPerSecond = 24

  /// A valid input with defaults filled in.
  public struct Input: Sendable, Hashable {
    public var prompt: String
    public var sourceURL: String?
    public var numFrames: Int
    public var seed: Int?
    public var resolution: String
    public var numInferenceSteps: Int
    public var enableSafetyChecker: Bool
    public var aspectRatio: String
    public var startFrame: Int?
  }

  /// Validates `body` for `endpoint`, returning the normalised input or every field error at once.
  public static func validate(_ body: JSONValue, for endpoint: MagiEndpoint) -> Result<Input, ValidationFailure> {
    guard case .object(let object) = body else {
      return .failure(
        ValidationFailure([
          FieldError(
            loc: ["body"], msg: "Input should be a valid dictionary or object to extract fields from",
            type: "model_attributes_type", input: body)
        ]))
    }
    var errors: [FieldError] = []
    let prompt = requiredString("prompt", in: object, errors: &errors)
    var source: String?
    if let field = endpoint.mode.sourceField {
      source = requiredString(field, in: object, errors: &errors)
      if let value = source, !isAcceptedURL(value) {
        errors.append(
          FieldError(
            loc: ["body", field], msg: "Input should be a valid URL with scheme 'http', 'https' or 'data'",
            type: "url_scheme", input: .string(value)))
        source = nil
      }
    }
    let frames = optionalInt("num_frames", in: object, range: frameRange, errors: &errors) ?? defaultFrames
    let seed = optionalInt("seed", in: object, range: nil, errors: &errors)
    let resolution =
      optionalLiteral("resolution", in: object, allowed: resolutions, errors: &errors) ?? defaultResolution
    let aspect =
      optionalLiteral("aspect_ratio", in: object, allowed: aspectRatios, errors: &errors) ?? defaultAspectRatio
    let steps = optionalSteps(in: object, allowed: endpoint.model.allowedSteps, errors: &errors) ?? defaultSteps
    let safety = optionalBool("enable_safety_checker", in: object, errors: &errors) ?? true
    var startFrame: Int?
    if endpoint.mode == .extendVideo {
      startFrame = optionalInt("start_frame", in: object, range: 0...Int.max, errors: &errors)
    }
    guard errors.isEmpty, let prompt else { return .failure(ValidationFailure(errors)) }
    return .success(
      Input(
        prompt: prompt, sourceURL: source, numFrames: frames, seed: seed, resolution: resolution,
        numInferenceSteps: steps, enableSafetyChecker: safety, aspectRatio: aspect, startFrame: startFrame))
  }

  /// Billing units of a request: seconds of video, halved at 480p, scaled by steps above 16.
  ///
  /// One unit is one second of 720p video at up to 16 steps, which is how fal publishes the MAGI-1
  /// price ($0.32 for the first 4 s = 96 frames, $0.08 per further second on the distilled model).
  public static func billingUnits(numFrames: Int, resolution: String, numInferenceSteps: Int) -> Double {
    let seconds = Double(numFrames) / Double(framesPerSecond)
    let resolutionFactor = resolution == "480p" ? 0.5 : 1.0
    let stepFactor = max(1.0, Double(numInferenceSteps) / 16.0)
    return seconds * resolutionFactor * stepFactor
  }

  public static func billingUnits(of input: Input) -> Double {
    billingUnits(numFrames: input.numFrames, resolution: input.resolution, numInferenceSteps: input.numInferenceSteps)
  }

  /// `http`, `https` and `data` URLs: the schemes fal's `File` inputs accept.
  public static func isAcceptedURL(_ value: String) -> Bool {
    let lower = value.lowercased()
    if lower.hasPrefix("data:") { return lower.contains(",") }
    for scheme in ["http://", "https://"] where lower.hasPrefix(scheme) {
      return lower.count > scheme.count
    }
    return false
  }

  // MARK: - Field rules

  private static func requiredString(_ key: String, in object: [String: JSONValue], errors: inout [FieldError])
    -> String?
  {
    switch object[key] {
    case nil:
      errors.append(FieldError(loc: ["body", key], msg: "Field required", type: "missing", input: .object(object)))
      return nil
    case .string(let value):
      return value
    case let other?:
      errors.append(
        FieldError(loc: ["body", key], msg: "Input should be a valid string", type: "string_type", input: other))
      return nil
    }
  }

  private static func lenientInt(_ value: JSONValue) -> Int? {
    switch value {
    case .int(let number): number
    case .double: value.intValue
    case .string(let text): Int(text.trimmingWhitespace())
    default: nil
    }
  }

  private static func optionalInt(
    _ key: String, in object: [String: JSONValue], range: ClosedRange<Int>?, errors: inout [FieldError]
  ) -> Int? {
    guard let value = object[key], value != .null else { return nil }
    guard let number = lenientInt(value), value != .bool(true), value != .bool(false) else {
      let message =
        if case .double = value { "Input should be a valid integer, got a number with a fractional part" } else {
          "Input should be a valid integer"
        }
      let type = if case .double = value { "int_from_float" } else { "int_parsing" }
      errors.append(FieldError(loc: ["body", key], msg: message, type: type, input: value))
      return nil
    }
    if let range {
      if number < range.lowerBound {
        errors.append(
          FieldError(
            loc: ["body", key], msg: "Input should be greater than or equal to \(range.lowerBound)",
            type: "greater_than_equal", input: value, ctx: ["ge": .int(range.lowerBound)]))
        return nil
      }
      if number > range.upperBound {
        errors.append(
          FieldError(
            loc: ["body", key], msg: "Input should be less than or equal to \(range.upperBound)",
            type: "less_than_equal", input: value, ctx: ["le": .int(range.upperBound)]))
        return nil
      }
    }
    return number
  }

  private static func optionalLiteral(
    _ key: String, in object: [String: JSONValue], allowed: [String], errors: inout [FieldError]
  ) -> String? {
    guard let value = object[key], value != .null else { return nil }
    if case .string(let text) = value, allowed.contains(text) { return text }
    let expected = literalList(allowed.map { "'\($0)'" })
    errors.append(
      FieldError(
        loc: ["body", key], msg: "Input should be \(expected)", type: "literal_error", input: value,
        ctx: ["expected": .string(expected)]))
    return nil
  }

  /// `num_inference_steps` has been published both as integers and as strings; accept both.
  private static func optionalSteps(in object: [String: JSONValue], allowed: [Int], errors: inout [FieldError]) -> Int?
  {
    let key = "num_inference_steps"
    guard let value = object[key], value != .null else { return nil }
    let number: Int? =
      switch value {
      case .int(let number): number
      case .string(let text): Int(text)
      default: nil
      }
    if let number, allowed.contains(number) { return number }
    let expected = literalList(allowed.map(String.init))
    errors.append(
      FieldError(
        loc: ["body", key], msg: "Input should be \(expected)", type: "literal_error", input: value,
        ctx: ["expected": .string(expected)]))
    return nil
  }

  private static func optionalBool(_ key: String, in object: [String: JSONValue], errors: inout [FieldError]) -> Bool? {
    guard let value = object[key], value != .null else { return nil }
    switch value {
    case .bool(let flag): return flag
    case .int(0): return false
    case .int(1): return true
    case .string(let text) where ["true", "false", "yes", "no", "on", "off", "1", "0"].contains(text.lowercased()):
      return ["true", "yes", "on", "1"].contains(text.lowercased())
    default:
      errors.append(
        FieldError(loc: ["body", key], msg: "Input should be a valid boolean", type: "bool_parsing", input: value))
      return nil
    }
  }

  /// `'a', 'b' or 'c'`, as Pydantic lists literal choices.
  static func literalList(_ items: [String]) -> String {
    guard items.count > 1 else { return items.first ?? "" }
    return items.dropLast().joined(separator: ", ") + " or " + items[items.count - 1]
  }
}

/// Every field error of one request, in schema order.
public struct ValidationFailure: Error, Sendable, Hashable, CustomStringConvertible {
  public var errors: [FieldError]
  public init(_ errors: [FieldError]) { self.errors = errors }
  public var description: String { errors.map(\.description).joined(separator: "; ") }
}
