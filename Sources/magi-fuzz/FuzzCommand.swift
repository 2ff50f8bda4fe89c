import Foundation
import FuzzTargets

#if canImport(Glibc)
  import Glibc
#endif

/// The command line of `magi-fuzz` (no argument parser: four modes, a handful of options).
enum FuzzCommand {
  struct Options {
    var targets: [FuzzTarget] = FuzzTarget.all
    var seconds: Double?
    var runs: Int?
    var seed: UInt64 = 1
    var corpus = "Tests/FuzzCorpus"
    var current: String?
    var file: String?
    var skipSeeds = false
    var excluded: [String] = []
    /// Seconds one input may take before the child stops as hung.
    var hangLimit: Double = 10
    /// A target stops after this many traps (nil: never), e.g. to find the first one quickly.
    var maxTraps: Int?
  }

  static let usage = """
    usage: magi-fuzz list
           magi-fuzz run [--target NAME]… [--time SECONDS | --runs N] [--seed N] [--corpus DIR]
                         [--exclude SEED]… [--hang-limit SECONDS] [--max-traps N]
           magi-fuzz replay --target NAME FILE
           magi-fuzz seeds --target NAME DIR     (writes the generated seeds, for libFuzzer)
    """

  static func main(_ arguments: [String]) async {
    guard let mode = arguments.first else { fail(usage) }
    let options = parse(Array(arguments.dropFirst()))
    switch mode {
    case "list":
      for target in FuzzTarget.all { print("\(target.name)\t\(target.summary)") }
    case "run":
      await FuzzSupervisor(options: options).run()
    case "child":
      await child(options)
    case "replay":
      guard let file = options.file, let data = FileManager.default.contents(atPath: file) else {
        fail("replay: no such file")
      }
      for target in options.targets { await target.run([UInt8](data)) }
      print("no crash")
    case "seeds":
      guard let directory = options.file else { fail(usage) }
      for target in options.targets {
        for (index, seed) in await FuzzCorpus(target: target, directory: nil).entries.enumerated() {
          _ = FileManager.default.createFile(atPath: "\(directory)/generated-\(index)", contents: Data(seed.bytes))
        }
      }
    default:
      fail(usage)
    }
  }

  static func parse(_ arguments: [String]) -> Options {
    var options = Options()
    var chosen: [FuzzTarget] = []
    var index = 0
    func value() -> String {
      index += 1
      guard index < arguments.count else { fail("\(arguments[index - 1]) needs a value\n\(usage)") }
      return arguments[index]
    }
    while index < arguments.count {
      switch arguments[index] {
      case "--target":
        let name = value()
        guard let target = FuzzTarget.named(name) else {
          fail("no target '\(name)'; targets: \(FuzzTarget.all.map(\.name).joined(separator: ", "))")
        }
        chosen.append(target)
      case "--time":
        guard let seconds = Double(value()), seconds.isFinite, seconds > 0 else { fail("--time takes seconds > 0") }
        options.seconds = seconds
      case "--runs":
        guard let runs = Int(value()), runs >= 0 else { fail("--runs takes a count >= 0") }
        options.runs = runs
      case "--seed":
        guard let seed = UInt64(value()) else { fail("--seed takes a number >= 0") }
        options.seed = seed
      case "--corpus": options.corpus = value()
      case "--current": options.current = value()
      case "--skip-seeds": options.skipSeeds = true
      case "--exclude": options.excluded.append(value())
      case "--max-traps":
        guard let count = Int(value()), count > 0 else { fail("--max-traps takes a count > 0") }
        options.maxTraps = count
      case "--hang-limit":
        guard let seconds = Double(value()), seconds.isFinite, seconds > 0 else {
          fail("--hang-limit takes seconds > 0")
        }
        options.hangLimit = seconds
      case let other where !other.hasPrefix("-"): options.file = other
      default: fail("unknown option \(arguments[index])\n\(usage)")
      }
      index += 1
    }
    if !chosen.isEmpty { options.targets = chosen }
    return options
  }

  /// The child: one target, every input written to `--current` before it runs.
  static func child(_ options: Options) async {
    guard let target = options.targets.first, let current = options.current else {
      fail("child: --target and --current")
    }
    let fd = open(current, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { fail("child: cannot open \(current)") }
    // Inputs begun so far, one fixed-size word rewritten in place: what a trapped child had run.
    let counter = open(current + ".count", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    let corpus = await FuzzCorpus(target: target, directory: options.corpus).entries
      .filter { !options.excluded.contains($0.name) }
    let deadline = options.seconds.map { ContinuousClock.now + .milliseconds(Int64($0 * 1000)) }
    let runner = FuzzRunner(target: target, corpus: corpus)
    InputWatchdog.start(limit: options.hangLimit)
    let executions = await runner.run(
      seed: options.seed, runs: options.runs ?? (deadline == nil ? 10_000 : nil), deadline: deadline,
      includeSeeds: !options.skipSeeds
    ) { bytes, done, seedName in
      InputWatchdog.willRun()
      _ = ftruncate(fd, 0)
      _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
      // Which seed is running (empty once mutations start): a trapping seed is then known by name.
      if seedName != nil || done == corpus.count {
        _ = FileManager.default.createFile(atPath: current + ".seed", contents: Data((seedName ?? "").utf8))
      }
      var begun = UInt64(done + 1)
      _ = withUnsafeBytes(of: &begun) { pwrite(counter, $0.baseAddress, 8, 0) }
    } didRun: {
      InputWatchdog.didRun()
    }
    close(fd)
    close(counter)
    FileHandle.standardOutput.write(Data("executions \(executions)\n".utf8))
  }

  static func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(64)
  }
}
