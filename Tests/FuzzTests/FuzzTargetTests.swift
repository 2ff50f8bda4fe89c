import Foundation
import FuzzTargets
import TestSupport
import Testing

/// The bounded fuzz run of `scripts/test`: every target over its committed and generated seeds,
/// then a fixed number of mutations from a fixed seed, so the run is the same every time.
///
/// Each target runs in a `magi-fuzz child` process (the runner `scripts/fuzz` uses), which writes
/// every input to a file before running it: a trap fails this test with the input and the place it
/// trapped, instead of killing the whole test process.
@Suite struct FuzzTargetTests {
  /// Mutations per target: a few seconds per target in a debug build on 2 cores.
  /// `MAGI_FUZZ_RUNS` overrides it (e.g. 0 to run the seeds only).
  static let runs = ProcessInfo.processInfo.environment["MAGI_FUZZ_RUNS"].flatMap(Int.init) ?? 1000

  static let corpusDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("FuzzCorpus").path

  /// Targets whose committed seeds trap or hang in code a fix is still on its way for: what they
  /// wait for, and the seeds left out meanwhile. With `exclude: nil` the target is not run at all
  /// and is reported as a known issue. Empty: every target runs in full.
  static let awaitingFix: [String: (reason: String, exclude: [String]?)] = [:]

  /// Longer than any target's bounded run takes; past it the child is stopped and the run fails as hung.
  static let timeout: Double = 180

  @Test(arguments: FuzzTarget.all.map(\.name))
  func targetSurvivesSeedsAndMutations(_ name: String) async throws {
    let waiting = Self.awaitingFix[name]
    if let waiting, waiting.exclude == nil {
      withKnownIssue("\(name) is not run until the fixes of \(waiting.reason) are merged") {
        Issue.record("\(name) awaits \(waiting.reason)")
      }
      return
    }
    let outcome = try await FuzzChild.run(
      target: name, seed: 0x4D41_4749, runs: Self.runs, corpus: Self.corpusDirectory, timeout: Self.timeout,
      exclude: waiting?.exclude ?? [])
    outcome.check()
  }

  /// The history-index harness signs what the store checks: its intact seed opens from the index
  /// (were it rejected at a checksum, mutations would never reach the entry checks behind it).
  @Test func theHistoryIndexSeedOpensFromItsIndex() async throws {
    let seeds = await FuzzTarget.historyIndex.generatedSeeds()
    let intact = try #require(seeds.first { $0.name == "history-and-index" })
    #expect(await FuzzTarget.historyIndexOpensFromSnapshot(intact.bytes))
    let damaged = try #require(seeds.first { $0.name == "index-created-int64-min" })
    #expect(!(await FuzzTarget.historyIndexOpensFromSnapshot(damaged.bytes)), "an out-of-range time is refused")
  }

  @Test func everyTargetHasACommittedCorpusFolder() {
    for target in FuzzTarget.all {
      var isDirectory: ObjCBool = false
      let path = Self.corpusDirectory + "/" + target.name
      #expect(
        FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue, "\(path)")
    }
  }

  /// The runner's own promise: an input that traps is kept on disk with its backtrace, and the run
  /// says so in its exit status.
  @Test func runnerKeepsATrappingInput() async throws {
    let corpus = try Self.scratchCorpus(seeds: ["seed": Array("abc".utf8)])
    defer { try? FileManager.default.removeItem(atPath: corpus) }
    let run = try await ChildProcess.run([
      try FuzzChild.binary(), "run", "--target", "self-check", "--runs", "1000", "--max-traps", "1", "--corpus", corpus,
    ])
    #expect(run.status == 1, "\(run.stderr)")
    let names = try FileManager.default.contentsOfDirectory(atPath: corpus + "/self-check")
    let crash = try #require(names.first { $0.hasPrefix("crash-") && !$0.hasSuffix(".trace") })
    let input = try #require(FileManager.default.contents(atPath: corpus + "/self-check/" + crash))
    #expect(input.contains(0xFF))
    let trace = FileManager.default.contents(atPath: corpus + "/self-check/" + crash + ".trace") ?? Data()
    #expect(String(decoding: trace, as: UTF8.self).contains("self-check trap"))
  }

  /// One input that never returns ends the child within the hang limit, the input left behind.
  @Test func childStopsAHangingInput() async throws {
    let corpus = try Self.scratchCorpus(seeds: ["hang": Array("hang".utf8)])
    defer { try? FileManager.default.removeItem(atPath: corpus) }
    let outcome = try await FuzzChild.run(
      target: "self-check", seed: 1, runs: 0, corpus: corpus, timeout: Self.timeout, exclude: [],
      extra: ["--hang-limit", "1"])
    #expect(outcome.signalled)
    #expect(outcome.input == Array("hang".utf8))
    #expect(outcome.errors.contains("hang: one input ran longer than 1.0 s"))
  }

  static func scratchCorpus(seeds: [String: [UInt8]]) throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-corpus-\(UUID().uuidString)")
    let folder = directory.appendingPathComponent("self-check")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    for (name, bytes) in seeds { try Data(bytes).write(to: folder.appendingPathComponent(name)) }
    return directory.path
  }

  @Test func mutatorIsDeterministicAndVaried() {
    let mutator = Mutator(dictionary: [Array("key".utf8)])
    func sample() -> [[UInt8]] {
      var random = FuzzRandom(seed: 7)
      return (0..<50).map { _ in mutator.mutate(Array("[a = 1]\n".utf8), corpus: [Array("x".utf8)], random: &random) }
    }
    #expect(sample() == sample())
    #expect(Set(sample()).count > 40)
  }
}

/// One `magi-fuzz child` run and what it left behind.
struct FuzzChild {
  var target: String
  var status: Int32
  var signalled: Bool
  var hung: Bool
  var output: String
  var errors: String
  var input: [UInt8]

  static func binary() throws -> String {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("magi-fuzz").path) {
      guard directory.path != "/" else {
        Issue.record("magi-fuzz not found near \(CommandLine.arguments[0]); build it with `swift build`")
        throw POSIXError(.ENOENT)
      }
      directory.deleteLastPathComponent()
    }
    return directory.appendingPathComponent("magi-fuzz").path
  }

  static func run(
    target: String, seed: UInt64, runs: Int, corpus: String, timeout: Double, exclude: [String],
    extra: [String] = []
  ) async throws -> FuzzChild {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let current = scratch.appendingPathComponent("current").path
    var environment = ProcessInfo.processInfo.environment
    environment["SWIFT_BACKTRACE"] = "enable=yes,interactive=no,color=no"
    let child = try RunningChild(
      [
        try binary(), "child", "--target", target, "--seed", String(seed), "--runs", String(runs), "--corpus", corpus,
        "--current", current,
      ] + exclude.flatMap { ["--exclude", $0] } + extra,
      environment: environment)
    // Killed past `timeout`: the run then fails as hung.
    let exit = await child.exitStatus(within: .milliseconds(Int(timeout * 1000)))
    let output = await child.stdout.untilEnd()
    let errors = await child.stderr.untilEnd()
    return FuzzChild(
      target: target, status: exit.signal ?? exit.status, signalled: exit.signal != nil, hung: exit.timedOut,
      output: output, errors: errors, input: [UInt8](FileManager.default.contents(atPath: current) ?? Data()))
  }

  /// Records an issue naming the input and the trap when the child did not finish cleanly.
  func check() {
    guard hung || signalled || status != 0 else {
      #expect(output.contains("executions"))
      return
    }
    let preview = String(decoding: input.prefix(200), as: UTF8.self).debugDescription
    let crashed = errors.split(separator: "\n").drop { !$0.contains("crashed:") }.prefix(12).joined(separator: "\n")
    let fatal = errors.split(separator: "\n").first { $0.contains("Fatal error") } ?? ""
    Issue.record(
      """
      \(target) \(hung ? "hung" : signalled ? "trapped (signal \(status))" : "exited \(status)") on a \(input.count)-byte input \
      \(preview)
      \(fatal)
      \(crashed)
      Keep it: scripts/fuzz --target \(target) finds and stores it as a corpus file.
      """)
  }
}
