import Foundation

/// Runs a program with an argv (never through a shell) and waits without blocking a thread of the
/// cooperative pool: the termination handler resumes the caller.
enum ProcessRunner {
  struct Output: Sendable {
    var status: Int32
    var standardOutput: String
    var standardError: String
  }

  /// - Parameter environment: the child's environment, less every `FAL_KEY*` variable: a renderer
  ///   has no business with the key of the process that embeds the emulator.
  static func run(
    _ executable: String, _ arguments: [String], scratch: URL,
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) async throws -> Output {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = scrubbed(environment)
    // Files rather than pipes: a chatty child can never fill a pipe buffer and stall.
    let stdoutURL = scratch.appendingPathComponent("proc-\(UUID().uuidString).out")
    let stderrURL = scratch.appendingPathComponent("proc-\(UUID().uuidString).err")
    _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
    defer {
      try? FileManager.default.removeItem(at: stdoutURL)
      try? FileManager.default.removeItem(at: stderrURL)
    }
    let stdoutHandle = try FileHandle(forWritingTo: stdoutURL)
    let stderrHandle = try FileHandle(forWritingTo: stderrURL)
    process.standardOutput = stdoutHandle
    process.standardError = stderrHandle
    process.standardInput = FileHandle.nullDevice
    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
      process.terminationHandler = { finished in
        continuation.resume(returning: finished.terminationStatus)
      }
      do {
        try process.run()
      } catch {
        process.terminationHandler = nil
        continuation.resume(throwing: error)
      }
    }
    try? stdoutHandle.close()
    try? stderrHandle.close()
    let out = (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? ""
    let err = (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
    return Output(status: status, standardOutput: out, standardError: err)
  }

  /// `environment` without the variables that carry a fal key (the same rule as the client's
  /// `Credentials.scrubbed`, which this module cannot import).
  static func scrubbed(_ environment: [String: String]) -> [String: String] {
    environment.filter { !$0.key.hasPrefix("FAL_KEY") }
  }

  /// The first executable called `name` on `PATH`.
  static func find(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for directory in path.split(separator: ":") {
      let candidate = "\(directory)/\(name)"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }
}
