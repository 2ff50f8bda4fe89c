/// One thing to fuzz: a named entry point that must return (not trap, not hang) for any bytes.
///
/// The same table drives the bounded run in the test suite (`FuzzTests`), the long runs of
/// `scripts/fuzz` (the `magi-fuzz` tool, child process per target) and the libFuzzer build
/// (`scripts/fuzz --libfuzzer`), so a target is written once and every mechanism finds the same bugs.
public struct FuzzTarget: Sendable {
  /// The folder name under `Tests/FuzzCorpus/` and the name `--target` takes.
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
    (all + [selfCheck]).first { $0.name == name }
  }

  /// Not in ``all``: a target that traps on any input holding the byte 0xFF and hangs on one
  /// starting `hang`, so the tests can show that the runner keeps what traps and stops what hangs.
  public static let selfCheck = FuzzTarget(name: "self-check", summary: "traps on 0xFF, hangs on \"hang\"") { bytes in
    precondition(!bytes.contains(0xFF), "self-check trap")
    if bytes.starts(with: Array("hang".utf8)) {
      while !Task.isCancelled { await Task.yield() }
    }
  }
}
