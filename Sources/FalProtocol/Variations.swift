/// Expands one request into the variations a batch submits: prompt alternatives (`{dawn|dusk}`), seeds and a
/// matrix over enum/number parameters. Pure, so the CLI, the batch reader and the form can share it and the
/// count a budget check sees is the count that gets submitted. Order is fixed (prompt alternatives left to
/// right, then the matrix in the order given, then seeds, the last varying fastest) so a batch is reproducible.
public enum Variations {
  /// Parameters `--vary` accepts: the schema's enum and number fields (prompt and seed have their own options).
  public static let varyable = ["num_frames", "resolution", "aspect_ratio", "num_inference_steps", "start_frame"]

  /// The most jobs one submit, one `generate` or one batch file expands to: a typo in a product
  /// must not pay for thousands.
  public static let maxJobs = 1000

  /// How many jobs `prompts` alternatives × each axis × `seeds` make (at least one seed: none
  /// leaves the base's), without building them; `Int.max` when the product overflows. Counted
  /// before anything is expanded, so a prompt of twenty `{a|b}` groups is refused, not built.
  public static func jobCount(prompts: Int, axes: [Int], seeds: Int) -> Int {
    ([prompts, max(1, seeds)] + axes).reduce(1) { total, factor in
      let (product, overflow) = total.multipliedReportingOverflow(by: factor)
      return overflow ? Int.max : product
    }
  }

  /// How many prompts `prompt`'s `{a|b}` groups make, without building them (`Int.max` past Int).
  public static func promptCount(_ prompt: String) throws(VariationError) -> Int {
    jobCount(prompts: 1, axes: try promptParts(prompt).map(\.count), seeds: 1)
  }

  /// `a {dawn|dusk} sky {1|2}` → 4 prompts, leftmost group varying slowest. `\{`, `\}`, `\|` and `\\` are
  /// literal; a `|` outside braces is literal too.
  public static func expandPrompt(_ prompt: String) throws(VariationError) -> [String] {
    product(try promptParts(prompt)).map { $0.joined() }
  }

  /// `prompt` as its segments, each with its alternatives (one for a literal run).
  private static func promptParts(_ prompt: String) throws(VariationError) -> [[String]] {
    var parts: [[String]] = []  // each element: the alternatives of one segment
    var literal = ""
    var group: [String]?
    var current = ""
    var openedAt = 0
    var escaped = false
    for (offset, character) in prompt.enumerated() {
      if escaped {
        if group != nil { current.append(character) } else { literal.append(character) }
        escaped = false
        continue
      }
      switch character {
      case "\\": escaped = true
      case "{":
        guard group == nil else { throw .unbalancedBrace(position: offset + 1) }
        parts.append([literal])
        literal = ""
        group = []
        current = ""
        openedAt = offset + 1
      case "}":
        guard var alternatives = group else { throw .unbalancedBrace(position: offset + 1) }
        alternatives.append(current)
        parts.append(alternatives)
        group = nil
      case "|" where group != nil:
        group?.append(current)
        current = ""
      default:
        if group != nil { current.append(character) } else { literal.append(character) }
      }
    }
    if group != nil { throw .unbalancedBrace(position: openedAt) }
    if escaped { literal.append("\\") }
    parts.append([literal])
    return parts
  }

  /// Parses `name=v1,v2` and checks every value against the MAGI-1 schema for `endpoint`.
  public static func parseVary(_ spec: String, for endpoint: MagiEndpoint) throws(VariationError) -> Axis {
    guard let equals = spec.firstIndex(of: "="), equals != spec.startIndex else { throw .malformedVary(spec) }
    let name = String(spec[..<equals]).trimmingWhitespace()
    guard varyable.contains(name), name != "start_frame" || endpoint.mode == .extendVideo else {
      throw .unknownParameter(name)
    }
    let texts = spec[spec.index(after: equals)...].split(separator: ",", omittingEmptySubsequences: false)
      .map { String($0).trimmingWhitespace() }
    guard !texts.contains(where: \.isEmpty) else { throw .malformedVary(spec) }
    var values: [JSONValue] = []
    for text in texts {
      let value: JSONValue = Int(text).map { .int($0) } ?? .string(text)
      var body: [String: JSONValue] = ["prompt": "p", name: value]
      if let field = endpoint.mode.sourceField { body[field] = "https://example.com/source" }
      if case .failure(let failure) = MagiSchema.validate(.object(body), for: endpoint),
        let error = failure.errors.first(where: { $0.field == name })
      {
        throw .invalidValue(name: name, value: text, reason: error.msg)
      }
      values.append(value)
    }
    return Axis(name: name, values: values)
  }

  /// `--vary` (and the studio's Vary field) take the CLI option's name as well as the schema's:
  /// `steps=8,16` and `num-frames=96,120` name `num_inference_steps` and `num_frames`.
  public static func schemaName(inVary spec: String) -> String {
    guard let equals = spec.firstIndex(of: "=") else { return spec }
    var name = String(spec[..<equals]).trimmingWhitespace().replacing("-", with: "_")
    if name == "steps" { name = "num_inference_steps" }
    return name + spec[equals...]
  }

  /// Every request of the batch: `base` with each prompt alternative × matrix combination × seed.
  /// An empty `seeds` leaves the base's seed alone.
  public static func expand(
    _ base: [String: JSONValue], axes: [Axis], seeds: [Int]
  ) throws(VariationError) -> [[String: JSONValue]] {
    let prompts: [JSONValue?] =
      if case .string(let prompt)? = base["prompt"] { try expandPrompt(prompt).map { .string($0) } } else { [nil] }
    var dimensions: [[(String, JSONValue)]] = [prompts.compactMap { $0.map { ("prompt", $0) } }]
    dimensions += axes.map { axis in axis.values.map { (axis.name, $0) } }
    dimensions.append(seeds.map { ("seed", .int($0)) })
    return product(dimensions.filter { !$0.isEmpty }).map { assignments in
      assignments.reduce(into: base) { body, assignment in body[assignment.0] = assignment.1 }
    }
  }

  /// `count` seeds from `generator` (fal takes any non-negative int; 2^31 keeps them portable).
  public static func randomSeeds(_ count: Int, using generator: inout some RandomNumberGenerator) -> [Int] {
    (0..<max(0, count)).map { _ in Int.random(in: 0..<(1 << 31), using: &generator) }
  }

  /// One `--vary` dimension.
  public struct Axis: Sendable, Hashable {
    public var name: String
    public var values: [JSONValue]
    public init(name: String, values: [JSONValue]) {
      self.name = name
      self.values = values
    }
  }

  /// Cartesian product, first dimension varying slowest.
  static func product<Element>(_ dimensions: [[Element]]) -> [[Element]] {
    dimensions.reduce([[]]) { partial, dimension in
      partial.flatMap { prefix in dimension.map { prefix + [$0] } }
    }
  }
}

/// Why a variation spec was refused; each names the part at fault in one line.
public enum VariationError: Error, Sendable, Hashable, CustomStringConvertible {
  case unbalancedBrace(position: Int)
  case malformedVary(String)
  case unknownParameter(String)
  case invalidValue(name: String, value: String, reason: String)

  public var description: String {
    switch self {
    case .unbalancedBrace(let position):
      "prompt: unbalanced brace at character \(position) (write \\{ for a literal one)"
    case .malformedVary(let spec): "--vary \(spec): expected name=value1,value2"
    case .unknownParameter(let name):
      "--vary \(name): not a parameter that can vary (one of \(Variations.varyable.joined(separator: ", ")))"
    case .invalidValue(let name, let value, let reason): "--vary \(name)=\(value): \(reason)"
    }
  }
}
