import FalProtocol

/// One row of the form, in the order the form shows them.
public enum FormField: String, Sendable, Hashable, CaseIterable {
  case mode
  case model
  case prompt
  case source
  case frames
  case steps
  case resolution
  case aspectRatio
  case seed
  /// Variations: seeds, seed lists and parameters that vary (see ``FormVariations``).
  case variations
  case startFrame
  case safety
  case webhook
  case submit

  public var label: String {
    switch self {
    case .mode: "Mode"
    case .model: "Model"
    case .prompt: "Prompt"
    case .source: "Source"
    case .frames: "Frames"
    case .steps: "Steps"
    case .resolution: "Res."
    case .aspectRatio: "Aspect"
    case .seed: "Seed"
    case .variations: "Vary"
    case .startFrame: "Start"
    case .safety: "Safety"
    case .webhook: "Webhook"
    case .submit: "Submit"
    }
  }

  /// Fields typed as free text (vi keys are off while they are edited).
  public var isText: Bool { self == .prompt || self == .source || self == .webhook || self == .variations }

  /// Fields that take digits typed in place.
  public var isNumber: Bool { self == .frames || self == .seed || self == .startFrame }

  /// The form field an input key of the request names (`num_frames` → frames); nil for `body`
  /// and unknown keys, whose messages are shown above the form.
  public init?(inputKey: String) {
    switch inputKey {
    case "prompt": self = .prompt
    case "image_url", "video_url": self = .source
    case "num_frames": self = .frames
    case "num_inference_steps": self = .steps
    case "resolution": self = .resolution
    case "aspect_ratio": self = .aspectRatio
    case "seed": self = .seed
    case "start_frame": self = .startFrame
    case "enable_safety_checker": self = .safety
    default: return nil
    }
  }

  /// The fields a mode shows: no source for text-to-video, a start frame only when extending.
  public static func visible(for mode: MagiMode) -> [FormField] {
    allCases.filter { field in
      switch field {
      case .source: mode.sourceField != nil
      case .startFrame: mode == .extendVideo
      default: true
      }
    }
  }
}
