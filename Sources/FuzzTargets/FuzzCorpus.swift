import Foundation

/// The seed inputs of a target: its committed folder `Tests/FuzzCorpus/<target>/` plus its generated seeds.
public struct FuzzCorpus: Sendable {
  public struct Entry: Sendable {
    public var name: String
    public var bytes: [UInt8]
  }

  public var entries: [Entry]

  /// The seeds of `target` read from `directory/<target.name>/` (files in name order; dot files and
  /// `README` and backtraces (`.trace`) skipped), then the generated ones.
  public init(target: FuzzTarget, directory: String?) async {
    var entries: [Entry] = []
    if let directory {
      let folder = URL(fileURLWithPath: directory).appendingPathComponent(target.name)
      let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
      for name in names.sorted() where !name.hasPrefix(".") && !name.hasPrefix("README") && !name.hasSuffix(".trace") {
        if let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) {
          entries.append(Entry(name: name, bytes: [UInt8](data)))
        }
      }
    }
    entries += await target.generatedSeeds().map { Entry(name: "generated:\($0.name)", bytes: $0.bytes) }
    self.entries = entries
  }

  /// `directory/<target>/crash-<hash>`: where a new crashing input is kept.
  public static func crashPath(directory: String, target: String, bytes: [UInt8]) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
      hash ^= UInt64(byte)
      hash &*= 0x0000_0100_0000_01b3
    }
    let hex = String(hash, radix: 16)
    return "\(directory)/\(target)/crash-\(String(repeating: "0", count: 16 - hex.count))\(hex)"
  }
}

/// Runs a target over its seeds, then over mutations of them.
public struct FuzzRunner: Sendable {
  public var target: FuzzTarget
  public var corpus: [FuzzCorpus.Entry]

  public init(target: FuzzTarget, corpus: [FuzzCorpus.Entry]) {
    self.target = target
    self.corpus = corpus
  }

  /// Runs every seed once, then mutations until `runs` mutations ran or `deadline` passed
  /// (whichever is given first). `willRun` sees each input (and a seed's name) before it runs: the
  /// child process writes it to disk there, so a trap leaves the input behind. Returns the executions run.
  public func run(
    seed: UInt64, runs: Int?, deadline: ContinuousClock.Instant? = nil, includeSeeds: Bool = true,
    willRun: ([UInt8], _ executionsSoFar: Int, _ seedName: String?) -> Void = { _, _, _ in },
    didRun: () -> Void = {}
  ) async -> Int {
    var executions = 0
    if includeSeeds {
      for entry in corpus {
        willRun(entry.bytes, executions, entry.name)
        await target.run(entry.bytes)
        didRun()
        executions += 1
      }
    }
    guard !corpus.isEmpty else { return executions }
    let seeds = corpus.map(\.bytes)
    let mutator = Mutator(dictionary: target.dictionary)
    var random = FuzzRandom(seed: seed)
    var mutations = 0
    while runs.map({ mutations < $0 }) ?? true {
      if let deadline, ContinuousClock.now >= deadline { break }
      // Seeds larger than a mutation may grow are run as they are, not copied thousands of times.
      let base = seeds[random.below(seeds.count)]
      let input = mutator.mutate(
        base.count > mutator.maximumLength ? Array(base.prefix(mutator.maximumLength)) : base, corpus: seeds,
        random: &random)
      willRun(input, executions, nil)
      await target.run(input)
      didRun()
      mutations += 1
      executions += 1
    }
    return executions
  }
}
