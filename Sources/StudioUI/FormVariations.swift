import FalProtocol

/// The form's Vary field read: how many seeds (drawn at random, or listed) and which parameters
/// vary over which values. With the prompt's `{a|b}` alternatives it makes the form's batch,
/// expanded by FalProtocol's ``Variations`` exactly as the CLI's `--seeds`, `--seed-list` and
/// `--vary` are, so the studio and `generate` agree on what a spec submits.
///
/// The field's syntax is the CLI's options written as terms: `seeds=4` (four random seeds),
/// `seed-list=1,2,3`, and `name=v1,v2` for any parameter `--vary` takes (`steps=8,16`,
/// `resolution=480p,720p`), separated by spaces.
public struct FormVariations: Sendable, Hashable {
  public enum Seeds: Sendable, Hashable {
    /// The form's own Seed field (one job per combination).
    case form
    /// This many jobs per combination, each with a seed drawn when it is sent.
    case random(Int)
    case list([Int])

    var count: Int {
      switch self {
      case .form: 1
      case .random(let count): count
      case .list(let seeds): seeds.count
      }
    }
  }

  public var seeds: Seeds = .form
  public var axes: [Variations.Axis] = []

  /// A spec that does not read, in one line for the field's message.
  public struct Problem: Error, Sendable, Hashable {
    public var message: String
  }

  public init() {}

  /// Reads the field for a request to `endpoint` (whose schema checks every value).
  public static func parse(_ text: String, for endpoint: MagiEndpoint) -> Result<FormVariations, Problem> {
    var variations = FormVariations()
    for term in text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init) {
      guard let equals = term.firstIndex(of: "=") else {
        return .failure(Problem(message: "\(term): write name=values, e.g. seeds=4 or steps=8,16"))
      }
      let name = term[..<equals].lowercased().replacing("_", with: "-")
      let values = String(term[term.index(after: equals)...])
      switch name {
      case "seeds":
        guard case .form = variations.seeds else { return .failure(Problem(message: "seeds given twice")) }
        guard let count = Int(values), (1...Variations.maxJobs).contains(count) else {
          return .failure(
            Problem(message: "seeds=\(values): a count from 1 to \(Variations.maxJobs) (seed-list=1,2 lists seeds)"))
        }
        variations.seeds = .random(count)
      case "seed-list":
        guard case .form = variations.seeds else { return .failure(Problem(message: "seeds given twice")) }
        let items = values.split(separator: ",", omittingEmptySubsequences: false)
        var seeds: [Int] = []
        for item in items {
          guard let seed = Int(item), seed >= 0 else {
            return .failure(Problem(message: "seed-list: '\(item)' is not a seed (a whole number, 0 or more)"))
          }
          seeds.append(seed)
        }
        variations.seeds = .list(seeds)
      default:
        do {
          let axis = try Variations.parseVary(Variations.schemaName(inVary: term), for: endpoint)
          guard !variations.axes.contains(where: { $0.name == axis.name }) else {
            return .failure(Problem(message: "\(axis.name) varies twice"))
          }
          variations.axes.append(axis)
        } catch {
          // The CLI's words name its option; the field has none.
          return .failure(Problem(message: error.description.replacing("--vary ", with: "")))
        }
      }
    }
    return .success(variations)
  }

  /// Jobs for `promptCount` prompt alternatives: their product with the matrix and the seeds.
  public func jobCount(promptCount: Int) -> Int {
    Variations.jobCount(prompts: promptCount, axes: axes.map(\.values.count), seeds: seeds.count)
  }

  /// Every request of the batch from `base` (its prompt's alternatives × the matrix × the seeds),
  /// in ``Variations``' order. A random seed is left as its index (0 to N-1) here: the studio's
  /// core draws nothing at random, so the runtime draws the N seeds as it sends
  /// (``BatchSubmission/drawsSeeds``), each shared by every combination, as `generate --seeds`
  /// shares them (`{dawn|dusk} seeds=2` is two seeds, each rendered at dawn and at dusk).
  public func requests(from base: MagiRequest) throws(Problem) -> [MagiRequest] {
    guard case .object(let fields) = base.body else { return [base] }
    let seedValues: [Int]
    switch seeds {
    case .form: seedValues = []
    case .random(let count): seedValues = Array(0..<count)
    case .list(let list): seedValues = list
    }
    do {
      return try Variations.expand(fields, axes: axes, seeds: seedValues).map { fields in
        var request = MagiRequest(endpoint: base.endpoint, fields: fields)
        request.sourceURL = base.sourceURL
        return request
      }
    } catch {
      throw Problem(message: error.description)
    }
  }

  /// Billing units of every job from `base`: the matrix's combinations priced one by one (steps,
  /// frames and resolution change the units), times the prompts and seeds, which do not.
  public func units(from base: MagiRequest, promptCount: Int) -> Double {
    var fields: [String: JSONValue] = [:]
    fields["num_frames"] = .int(base.numFrames ?? MagiSchema.defaultFrames)
    fields["resolution"] = .string(base.resolution ?? MagiSchema.defaultResolution)
    fields["num_inference_steps"] = .int(base.numInferenceSteps ?? MagiSchema.defaultSteps)
    let combinations = (try? Variations.expand(fields, axes: axes, seeds: [])) ?? [fields]
    let perRound = combinations.reduce(0.0) { total, combination in
      func int(_ key: String, _ fallback: Int) -> Int {
        if case .int(let value)? = combination[key] { return value }
        return fallback
      }
      var resolution = MagiSchema.defaultResolution
      if case .string(let value)? = combination["resolution"] { resolution = value }
      return total
        + MagiSchema.billingUnits(
          numFrames: int("num_frames", MagiSchema.defaultFrames), resolution: resolution,
          numInferenceSteps: int("num_inference_steps", MagiSchema.defaultSteps))
    }
    return perRound * Double(promptCount * seeds.count)
  }
}

/// Several jobs sent together as one batch (one id on every record): the form's variations, or
/// a batch row's jobs sent again.
public struct BatchSubmission: Sendable, Hashable {
  public var requests: [MagiRequest]
  /// Each request's seed is the index of a seed drawn at random as the batch is sent (the Vary
  /// field's `seeds=N`: requests with the same index get the same seed).
  public var drawsSeeds: Bool
  public var source: MediaInput?
  public var parentID: String?
  public var webhook: String?

  public init(
    requests: [MagiRequest], drawsSeeds: Bool = false, source: MediaInput? = nil, parentID: String? = nil,
    webhook: String? = nil
  ) {
    self.requests = requests
    self.drawsSeeds = drawsSeeds
    self.source = source
    self.parentID = parentID
    self.webhook = webhook
  }

  /// The most requests in flight at once (submitted and not yet ended), as the CLI's `--max-parallel` default.
  public static let maxParallel = 4
}
