import Foundation
import FuzzTargets

/// Runs each target's child process until its time or run budget is spent, keeping what crashed.
///
/// A crash is known by where it trapped (the first frame of ours in Swift's backtrace): the first
/// input to trap at a new place is kept as `Tests/FuzzCorpus/<target>/crash-<hash>` with its backtrace
/// beside it (`.trace`); later inputs trapping at the same place are only counted. A seed that
/// traps is reported and left out of the next children, so one known bug does not stop the hunt.
struct FuzzSupervisor {
  var options: FuzzCommand.Options
  /// A child still running this long after its deadline is stuck beyond its own watchdog.
  static let hangGrace: Double = 30

  func run() async {
    let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
    let scratch = NSTemporaryDirectory() + "/magi-fuzz-\(getpid())"
    try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    var newCrashes = 0
    let perTarget = options.seconds.map { $0 / Double(options.targets.count) }
    for target in options.targets {
      let started = Date()
      var executions = 0
      var traps = 0
      var sites: Set<String> = []
      var excluded = options.excluded
      var seed = options.seed
      var runsLeft = options.runs ?? (perTarget == nil ? 10_000 : nil)
      var seedsDone = false
      while true {
        let remaining = perTarget.map { $0 - Date().timeIntervalSince(started) }
        if let remaining, remaining <= 0.05 { break }
        if let runsLeft, runsLeft <= 0, seedsDone { break }
        if let maximum = options.maxTraps, traps >= maximum { break }
        let current = "\(scratch)/\(target.name).current"
        try? FileManager.default.removeItem(atPath: current + ".seed")
        var arguments = [
          "child", "--target", target.name, "--seed", String(seed), "--corpus", options.corpus, "--current", current,
        ]
        if seedsDone { arguments.append("--skip-seeds") }
        arguments += ["--hang-limit", String(options.hangLimit)]
        for name in excluded { arguments += ["--exclude", name] }
        if let remaining { arguments += ["--time", String(remaining)] }
        if let runsLeft { arguments += ["--runs", String(max(0, runsLeft))] }
        try? FileManager.default.removeItem(atPath: current + ".count")
        var outcome = Self.runChild(
          executable, arguments, output: "\(scratch)/\(target.name).out", errors: "\(scratch)/\(target.name).err",
          timeout: (remaining ?? 3600) + Self.hangGrace)
        if outcome.crashed {
          // The trapping input was begun but not finished: the executions are the ones before it.
          let word = [UInt8](FileManager.default.contents(atPath: current + ".count") ?? Data())
          let begun = word.count == 8 ? word.withUnsafeBytes { Int($0.loadUnaligned(as: UInt64.self)) } : 0
          outcome.executions = max(0, begun - 1)
        }
        executions += outcome.executions
        guard outcome.crashed else { break }
        traps += 1
        let bytes = [UInt8](FileManager.default.contents(atPath: current) ?? Data())
        let seedName = String(
          decoding: FileManager.default.contents(atPath: current + ".seed") ?? Data(), as: UTF8.self)
        if !seedsDone, !seedName.isEmpty, !excluded.contains(seedName) {
          // A seed traps: a known bug (or a regression). Reported, then left out.
          excluded.append(seedName)
          sites.insert(outcome.site)
          say("  \(target.name): seed \(seedName) traps (\(outcome.reason)) at \(outcome.site)")
          continue
        }
        seedsDone = true
        runsLeft = runsLeft.map { $0 - outcome.executions }
        seed &+= 1
        guard sites.insert(outcome.site).inserted else { continue }
        let path = FuzzCorpus.crashPath(directory: options.corpus, target: target.name, bytes: bytes)
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        _ = FileManager.default.createFile(atPath: path + ".trace", contents: Data(outcome.trace.utf8))
        newCrashes += 1
        say("  \(target.name): new crash (\(outcome.reason)) at \(outcome.site) on \(bytes.count) bytes")
        say("    kept as \(path); replay: .build/debug/magi-fuzz replay --target \(target.name) \(path)")
      }
      let seconds = Date().timeIntervalSince(started)
      say(
        "\(target.name): \(executions) executions in \(String(format: "%.1f", seconds)) s, \(traps) trap(s) at \(sites.count) place(s)"
      )
    }
    if newCrashes > 0 {
      say("\(newCrashes) new crashing input(s) kept in \(options.corpus)")
      exit(1)
    }
  }

  /// Unbuffered, so progress shows as it happens also when piped to a file.
  func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
  }

  struct Outcome {
    var executions: Int
    var crashed: Bool
    var reason: String
    /// The first frame of the crashed thread in our own code, `function at file:line`.
    var site = ""
    var trace = ""
  }

  /// Runs one child; the last line it wrote to `output` says how many inputs it ran (when it ends
  /// normally; a trapped child's count is read from its `.count` file by the caller).
  static func runChild(_ executable: String, _ arguments: [String], output: String, errors: String, timeout: Double)
    -> Outcome
  {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["SWIFT_BACKTRACE"] = "enable=yes,interactive=no,color=no"
    process.environment = environment
    _ = FileManager.default.createFile(atPath: output, contents: nil)
    _ = FileManager.default.createFile(atPath: errors, contents: nil)
    process.standardOutput = FileHandle(forWritingAtPath: output)
    process.standardError = FileHandle(forWritingAtPath: errors)
    let done = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in done.signal() }
    do { try process.run() } catch { return Outcome(executions: 0, crashed: false, reason: "cannot start: \(error)") }
    var hung = false
    if done.wait(timeout: .now() + timeout) == .timedOut {
      hung = true
      process.terminate()
      done.wait()
    }
    let text = String(decoding: FileManager.default.contents(atPath: output) ?? Data(), as: UTF8.self)
    let executions = text.split(separator: "\n").last.flatMap { $0.split(separator: " ").last.flatMap { Int($0) } } ?? 0
    let trace = String(decoding: FileManager.default.contents(atPath: errors) ?? Data(), as: UTF8.self)
    var outcome = Outcome(executions: executions, crashed: true, reason: "", trace: trace)
    if hung {
      outcome.reason = "hang"
      outcome.site = "hang"
    } else if process.terminationReason == .uncaughtSignal {
      outcome.reason = "signal \(process.terminationStatus)"
      outcome.site = site(in: trace)
    } else if process.terminationStatus != 0 {
      outcome.reason = "exit \(process.terminationStatus)"
      outcome.site = site(in: trace)
    } else {
      outcome.crashed = false
    }
    return outcome
  }

  /// `Format.price(_:) at Format.swift:33`: the crashed thread's first frame in the project's
  /// sources, else the fatal error line.
  static func site(in trace: String) -> String {
    if trace.contains("hang: one input ran longer") { return "hang" }
    let lines = trace.split(separator: "\n")
    let crashed = lines.firstIndex { $0.contains("crashed:") } ?? lines.startIndex
    for line in lines[crashed...] where line.contains(" at /") && line.contains("/Sources/") {
      guard !line.contains("/Sources/FuzzTargets/"), !line.contains("/Sources/magi-fuzz/") else { continue }
      // `  2 [ra]  0x000055c3df91f146 static Format.price(_:) + 709 in magi-fuzz at /…/Sources/StudioUI/Format.swift:33:17`
      let afterAddress = line.split(separator: " 0x", maxSplits: 1).last?.drop { $0 != " " }.dropFirst() ?? ""
      let function = afterAddress.components(separatedBy: " + ").first ?? ""
      let place = line.components(separatedBy: "/Sources/").last ?? ""
      return "\(function) at \(place.split(separator: ":").prefix(2).joined(separator: ":"))"
    }
    return lines.first { $0.contains("Fatal error") }.map(String.init) ?? "unknown (see the .trace file)"
  }
}
