/// What a MAGI-1 request makes.
public enum MagiMode: String, Sendable, CaseIterable, Codable, Hashable {
  case textToVideo = "text-to-video"
  case imageToVideo = "image-to-video"
  case extendVideo = "extend-video"

  /// The input field holding the source media, if the mode has one.
  public var sourceField: String? {
    switch self {
    case .textToVideo: nil
    case .imageToVideo: "image_url"
    case .extendVideo: "video_url"
    }
  }

  /// The mode a person names: its full name (`image-to-video`), a short one (`t2v`/`text`,
  /// `i2v`/`image`, `ext`/`extend`/`v2v`/`video`: what the history and the palette show) or an
  /// unambiguous prefix of a full name. The CLI's `--mode`, batch files and the history's filter
  /// all read modes through this, so a name the studio shows is one every command takes.
  public init?(named text: String) {
    let text = text.lowercased()
    switch text {
    case "t2v", "text": self = .textToVideo
    case "i2v", "image": self = .imageToVideo
    case "v2v", "ext", "extend", "video": self = .extendVideo
    default:
      let matches = Self.allCases.filter { $0.rawValue.hasPrefix(text) }
      guard !text.isEmpty, matches.count == 1 else { return nil }
      self = matches[0]
    }
  }

  public var title: String {
    switch self {
    case .textToVideo: "Text to video"
    case .imageToVideo: "Image to video"
    case .extendVideo: "Extend video"
    }
  }
}

/// Which MAGI-1 weights run the request: the distilled model (default: faster, cheaper) or the full one.
public enum MagiModel: String, Sendable, CaseIterable, Codable, Hashable {
  case distilled
  case full

  /// The fal app (`owner/alias`) that serves this model.
  public var app: String {
    switch self {
    case .distilled: "fal-ai/magi-distilled"
    case .full: "fal-ai/magi"
    }
  }

  /// Published price of one billing unit (one second of 720p video at ≤16 steps), in US dollars.
  public var defaultPricePerUnit: Double {
    switch self {
    case .distilled: 0.08
    case .full: 0.20
    }
  }

  /// The inference step counts the model accepts.
  public var allowedSteps: [Int] {
    switch self {
    case .distilled: [4, 8, 16, 32]
    case .full: [4, 8, 16, 32, 64]
    }
  }
}

/// One of the six MAGI-1 endpoints: a mode on a model.
public struct MagiEndpoint: Sendable, Hashable, Codable, CustomStringConvertible {
  public var mode: MagiMode
  public var model: MagiModel

  public init(mode: MagiMode, model: MagiModel = .distilled) {
    self.mode = mode
    self.model = model
  }

  /// The exact endpoint id: text-to-video is the app itself, the others a sub-path of it.
  public var id: EndpointID {
    // Both apps are well-formed literals; parsing cannot fail.
    let app = (try? EndpointID(parsing: model.app)) ?? EndpointID(owner: "fal-ai", alias: "magi")
    var id = app
    switch mode {
    case .textToVideo: id.path = nil
    case .imageToVideo: id.path = "image-to-video"
    case .extendVideo: id.path = "extend-video"
    }
    return id
  }

  /// Recognises one of the six endpoint ids; nil for any other app.
  public init?(endpointID: EndpointID) {
    guard let model = MagiModel.allCases.first(where: { $0.app == endpointID.app }) else { return nil }
    let mode: MagiMode
    switch endpointID.path {
    case nil: mode = .textToVideo
    case "image-to-video": mode = .imageToVideo
    case "extend-video": mode = .extendVideo
    default: return nil
    }
    self.init(mode: mode, model: model)
  }

  public static let all: [MagiEndpoint] = MagiModel.allCases.flatMap { model in
    MagiMode.allCases.map { MagiEndpoint(mode: $0, model: model) }
  }

  public var description: String { id.full }
}
