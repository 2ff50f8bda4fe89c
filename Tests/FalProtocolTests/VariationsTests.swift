import FalProtocol
import Testing

@Suite struct VariationsTests {
  let t2v = MagiEndpoint(mode: .textToVideo)

  @Test func promptGroupsExpandAsAProductLeftmostSlowest() throws {
    #expect(
      try Variations.expandPrompt("a {red|blue} sky at {dawn|dusk|night}") == [
        "a red sky at dawn", "a red sky at dusk", "a red sky at night",
        "a blue sky at dawn", "a blue sky at dusk", "a blue sky at night",
      ])
  }

  /// Counted, not built: twenty `{a|b}` groups are a million prompts, and a product past Int
  /// saturates instead of trapping.
  @Test func jobsAreCountedWithoutBuildingThem() throws {
    #expect(try Variations.promptCount("a {dawn|dusk} sky {1|2|3}") == 6)
    #expect(try Variations.promptCount("plain") == 1)
    #expect(try Variations.promptCount(String(repeating: "{a|b}", count: 20)) == 1 << 20)
    #expect(try Variations.promptCount(String(repeating: "{a|b}", count: 70)) == Int.max)
    #expect(Variations.jobCount(prompts: 2, axes: [2, 3], seeds: 0) == 12, "no seeds: the base's one")
    #expect(Variations.jobCount(prompts: Int.max, axes: [2], seeds: 4) == Int.max)
    #expect(throws: VariationError.unbalancedBrace(position: 3)) { try Variations.promptCount("a {b") }
  }

  @Test func aPromptWithoutGroupsIsItself() throws {
    #expect(try Variations.expandPrompt("plain | text") == ["plain | text"])
    #expect(try Variations.expandPrompt("") == [""])
  }

  @Test func escapesAreLiteralAndEmptyAlternativesKept() throws {
    #expect(try Variations.expandPrompt(#"json \{x\} {a\|b|c}"#) == ["json {x} a|b", "json {x} c"])
    #expect(try Variations.expandPrompt("x{|y}") == ["x", "xy"])
  }

  @Test func unbalancedBracesNameTheCharacter() {
    #expect(throws: VariationError.unbalancedBrace(position: 3)) { try Variations.expandPrompt("ab{c") }
    #expect(throws: VariationError.unbalancedBrace(position: 2)) { try Variations.expandPrompt("a}") }
    #expect(throws: VariationError.unbalancedBrace(position: 3)) { try Variations.expandPrompt("{a{b}}") }
  }

  @Test func varyParsesNumbersAndLiteralsAgainstTheSchema() throws {
    #expect(
      try Variations.parseVary("num_inference_steps=8,16", for: t2v)
        == .init(name: "num_inference_steps", values: [.int(8), .int(16)]))
    #expect(
      try Variations.parseVary("resolution=480p, 720p", for: t2v)
        == .init(name: "resolution", values: ["480p", "720p"]))
  }

  @Test func varyRefusesUnknownNamesInvalidValuesAndBadSyntax() {
    #expect(throws: VariationError.unknownParameter("colour")) { try Variations.parseVary("colour=red", for: self.t2v) }
    #expect(throws: VariationError.unknownParameter("start_frame")) {
      try Variations.parseVary("start_frame=1", for: self.t2v)
    }
    #expect(throws: VariationError.malformedVary("steps")) { try Variations.parseVary("steps", for: self.t2v) }
    #expect(throws: VariationError.malformedVary("num_frames=96,")) {
      try Variations.parseVary("num_frames=96,", for: self.t2v)
    }
    do {
      _ = try Variations.parseVary("num_inference_steps=8,64", for: t2v)
      Issue.record("64 steps is not allowed on the distilled model")
    } catch {
      guard case .invalidValue(let name, let value, _) = error else {
        Issue.record("\(error)")
        return
      }
      #expect(name == "num_inference_steps" && value == "64")
      #expect(error.description.hasPrefix("--vary num_inference_steps=64: "))
    }
    #expect(throws: VariationError.self) { try Variations.parseVary("num_frames=12", for: self.t2v) }
    #expect(throws: VariationError.self) { try Variations.parseVary("resolution=1080p", for: self.t2v) }
  }

  @Test func expandCountsAndOrdersPromptsThenAxesThenSeeds() throws {
    let base: [String: JSONValue] = ["prompt": "{dawn|dusk}", "num_frames": 96]
    let steps = Variations.Axis(name: "num_inference_steps", values: [8, 16])
    let bodies = try Variations.expand(base, axes: [steps], seeds: [1, 2, 3])
    #expect(bodies.count == 12)
    #expect(bodies[0] == ["prompt": "dawn", "num_frames": 96, "num_inference_steps": 8, "seed": 1])
    #expect(bodies[1]["seed"] == 2 && bodies[3]["num_inference_steps"] == 16)
    #expect(bodies[6]["prompt"] == "dusk")
    #expect(Set(bodies.map { JSONValue.object($0) }).count == 12)
  }

  @Test func noSeedsKeepsTheBaseSeedAndNoVariationsIsOneRequest() throws {
    let base: [String: JSONValue] = ["prompt": "p", "seed": 7]
    #expect(try Variations.expand(base, axes: [], seeds: []) == [base])
  }

  @Test func randomSeedsAreDeterministicGivenTheGenerator() {
    var first = SplitMix(state: 42)
    var second = SplitMix(state: 42)
    let seeds = Variations.randomSeeds(5, using: &first)
    #expect(seeds == Variations.randomSeeds(5, using: &second))
    #expect(seeds.count == 5 && seeds.allSatisfy { (0..<(1 << 31)).contains($0) })
    #expect(Variations.randomSeeds(0, using: &first).isEmpty)
  }
}

/// A seeded generator so seed draws are reproducible in tests.
struct SplitMix: RandomNumberGenerator {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
