import FalProtocol

/// What sets a few finished generations apart: the parameters whose values are not the same in
/// all of them, and each record's value of those, so a compare view can label every result with
/// only what makes it different (a seed batch shows seeds, a `--vary steps=8,16` batch shows steps).
///
/// Pure: the studio's compare overlay and `magi-studio compare` both use it.
public struct RecordComparison: Sendable, Hashable {
  /// The fewest and the most records a compare takes: one is nothing to compare, and more than
  /// nine no longer fit a terminal as pictures.
  public static let allowed = 2...9

  /// One parameter of one record, as shown.
  public struct Value: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
      self.name = name
      self.value = value
    }
  }

  /// The records compared, in the order given.
  public let ids: [String]
  /// The names of the parameters that differ, in ``order``.
  public let differing: [String]
  /// Per record (as ``ids``), its value of each differing parameter.
  public let values: [[Value]]

  /// Compares `records` (any number; callers keep to ``allowed``).
  public init(_ records: [GenerationRecord]) {
    let all = records.map { Self.parameters(of: $0) }
    var names: [String] = []
    for parameters in all {
      for name in parameters.keys where !names.contains(name) { names.append(name) }
    }
    let differing = Self.ordered(names).filter { name in
      Set(all.map { $0[name] ?? Self.absent }).count > 1
    }
    ids = records.map(\.id)
    self.differing = differing
    let prompts = differing.contains("prompt") ? Self.promptDifferences(records.map(\.prompt)) : []
    values = all.enumerated().map { index, parameters in
      differing.map { name in
        Value(name: name, value: name == "prompt" ? prompts[index] : parameters[name] ?? Self.absent)
      }
    }
  }

  /// What a parameter a record does not have shows as.
  public static let absent = "—"

  /// Known parameters first, in the order people read them; any other input field after, by name.
  public static let order = [
    "prompt", "seed", "steps", "resolution", "frames", "aspect", "model", "mode", "source", "start frame", "safety",
  ]

  static func ordered(_ names: [String]) -> [String] {
    let known = order.filter(names.contains)
    return known + names.filter { !order.contains($0) }.sorted()
  }

  /// Input fields shown under another name, or not shown at all (the source is shown as the user
  /// gave it, not as the uploaded URL).
  private static let renamed: [String: String] = [
    "num_inference_steps": "steps", "num_frames": "frames", "aspect_ratio": "aspect", "start_frame": "start frame",
    "enable_safety_checker": "safety",
  ]
  private static let hidden: Set<String> = ["prompt", "image_url", "video_url"]

  /// Every parameter of `record` by its shown name, as text.
  public static func parameters(of record: GenerationRecord) -> [String: String] {
    var result: [String: String] = [
      "prompt": record.prompt, "model": record.model.rawValue, "mode": record.mode.rawValue,
    ]
    for (key, value) in record.input.objectValue ?? [:] {
      guard !hidden.contains(key) else { continue }
      result[renamed[key] ?? key] = text(value)
    }
    // The seed fal reports having used beats the one asked for (none, when it was random).
    if let seed = record.result?.seed { result["seed"] = String(seed) }
    if result["seed"] == nil { result["seed"] = "random" }
    if let source = record.source?.given ?? record.mode.sourceField.flatMap({ record.input[$0]?.stringValue }) {
      result["source"] = source
    }
    return result
  }

  /// A JSON value as one short line.
  static func text(_ value: JSONValue) -> String {
    switch value {
    case .null: "null"
    case .bool(let flag): flag ? "on" : "off"
    case .int(let number): String(number)
    case .double(let number): number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
    case .string(let text): text
    case .array(let items): items.map(text).joined(separator: ",")
    case .object: "{…}"
    }
  }

  /// The prompts less the words all of them start and end with, so `{dawn|dusk}` variants show
  /// `…dawn…` and `…dusk…` rather than two long lines that look alike. A prompt made only of the
  /// common words (the start of another) shows whole.
  public static func promptDifferences(_ prompts: [String]) -> [String] {
    let words = prompts.map { $0.split(whereSeparator: \.isWhitespace).map(String.init) }
    guard let shortest = words.map(\.count).min() else { return [] }
    var head = 0
    while head < shortest, Set(words.map { $0[head] }).count == 1 { head += 1 }
    var tail = 0
    while tail < shortest - head, Set(words.map { $0[$0.count - 1 - tail] }).count == 1 { tail += 1 }
    return zip(prompts, words).map { prompt, words in
      let middle = words[head..<(words.count - tail)]
      guard !middle.isEmpty, head + tail > 0 else { return prompt.isEmpty ? absent : prompt }
      return (head > 0 ? "…" : "") + middle.joined(separator: " ") + (tail > 0 ? "…" : "")
    }
  }

  /// `seed 7 · steps 16` for record `index`: its differing parameters on one line (nothing
  /// differs: `same parameters`).
  public func line(_ index: Int) -> String {
    guard values.indices.contains(index), !values[index].isEmpty else { return "same parameters" }
    return values[index].map { "\($0.name) \($0.value)" }.joined(separator: " · ")
  }
}
