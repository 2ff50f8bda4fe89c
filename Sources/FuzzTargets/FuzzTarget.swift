/// One thing to fuzz: a named entry point that must return (not trap, not hang) for any bytes.
///
/// The same table drives the bounded run in the test suite (`FuzzTests`), the long runs of
/// `scripts/fuzz` (the `magi-fuzz` tool, child process per target) and the libFuzzer build
/// (`scripts/fuzz --libfuzzer`), so a target is written once and every mechanism finds the same bugs.
public struct FuzzTarget: Sendable {
  /// The folder name under `Fuzz/Corpus/` and the name `--target` takes.
  public let name: String
  /// What the target feeds, for `--list` and docs/RELIABILITY.md.
  public let summary: String
  /// Seeds made by code: inputs too large to commit (30,000 nested tables) or that depend on this
  /// build (an index snapshot's layout). Named like corpus files.
  public let generatedSeeds: @Sendable () async -> [(name: String, bytes: [UInt8])]
  /// Words the mutator splices in: the tokens of the format, so mutations reach past the first check.
  public let dictionary: [[UInt8]]
  /// Runs one input. Any trap is a finding; returning is a pass (errors are expected results).
  public let run: @Sendable ([UInt8]) async -> Void

  public init(
    name: String, summary: String, dictionary: [String] = [],
    generatedSeeds: @escaping @Sendable () async -> [(name: String, bytes: [UInt8])] = { [] },
    run: @escaping @Sendable ([UInt8]) async -> Void
  ) {
    self.name = name
    self.summary = summary
    self.dictionary = dictionary.map { Array($0.utf8) }
    self.generatedSeeds = generatedSeeds
    self.run = run
  }

  /// Every target, in the order they run. A release build has only those on public API.
  #if DEBUG
    public static let all: [FuzzTarget] = [
      .sseStatus, .magiSchema, .emulatorRequest, .historyLine, .historyIndex, .tomlConfig, .themeFile,
      .inputDecoder, .formatters,
    ]
  #else
    public static let all: [FuzzTarget] = [.sseStatus, .magiSchema]
  #endif

  public static func named(_ name: String) -> FuzzTarget? {
    all.first { $0.name == name }
  }
}
