import ChildSpawn
import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A child process for tests, waited for without holding a thread of Swift's task pool.
///
/// `posix_spawn` with the default signal dispositions and an empty signal mask: a child started from
/// a thread that blocks SIGCHLD (test runners do) would otherwise inherit the block, and a tmux
/// server forked from it would never reap its panes. Output goes to files, not pipes: a server that
/// forks from the child inherits its descriptors, so a pipe would never reach end of file.
/// `waitpid` blocks, so it runs on a thread of its own and resumes the awaiting task.
public enum ChildProcess {
  public struct Output: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    /// Whether the child was killed for outliving its time limit.
    public var timedOut: Bool
  }

  public enum SpawnError: Error, CustomStringConvertible {
    case spawn(String, Int32)
    public var description: String {
      switch self {
      case .spawn(let path, let code): "cannot start \(path): \(String(cString: strerror(code)))"
      }
    }
  }

  /// Runs `argv` (argv[0] is looked up on PATH by `/usr/bin/env`), with `environment` (nil: ours),
  /// in `directory`, stdin from /dev/null; kills it after `timeout`.
  public static func run(
    _ argv: [String], environment: [String: String]? = nil, directory: String? = nil,
    timeout: Duration = .seconds(120)
  ) async throws -> Output {
    let scratch = NSTemporaryDirectory() + "child-\(UUID().uuidString)"
    let outPath = scratch + ".out"
    let errPath = scratch + ".err"
    defer {
      unlink(outPath)
      unlink(errPath)
    }
    let child = try spawn(
      argv, environment: environment, directory: directory, stdout: .file(outPath), stderr: .file(errPath))
    let killed = KilledFlag()
    let killer = Task {
      try await Task.sleep(for: timeout)
      killed.value.store(true, ordering: .relaxed)
      kill(child, SIGKILL)
    }
    let status = await waitForExit(child)
    killer.cancel()
    let timedOut = killed.value.load(ordering: .relaxed)
    return Output(
      status: exitCode(status),
      stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
      stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
      timedOut: timedOut)
  }

  /// Starts `argv` (argv[0] looked up on PATH by `/usr/bin/env`) with `environment` (nil: ours) in
  /// `directory`, its descriptors as given; the child's pid. Signal mask and dispositions are reset
  /// (see ``ChildSpawn``).
  static func spawn(
    _ argv: [String], environment: [String: String]?, directory: String?, stdin: ChildDescriptor = .null,
    stdout: ChildDescriptor = .null, stderr: ChildDescriptor = .null
  ) throws -> pid_t {
    // env(1) also changes directory (`-C`): Swift's Glibc does not expose posix_spawn's chdir action.
    let full = ["/usr/bin/env"] + (directory.map { ["-C", $0] } ?? []) + argv
    do throws(SpawnFailure) {
      return try ChildSpawn.start(full, environment: environment, stdin: stdin, stdout: stdout, stderr: stderr)
    } catch {
      throw SpawnError.spawn(argv.first ?? "", error.code)
    }
  }

  /// The exit code of a `waitpid` status, or 128 + the signal that ended it (as a shell says).
  public static func exitCode(_ status: Int32) -> Int32 {
    let signal = status & 0x7F
    return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
  }

  /// Waits for `pid` to exit on a thread of its own; returns the raw `waitpid` status.
  public static func waitForExit(_ pid: pid_t) async -> Int32 {
    await withCheckedContinuation { continuation in
      let thread = Thread {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        continuation.resume(returning: status)
      }
      thread.name = "test-waitpid"
      thread.start()
    }
  }
}

private final class KilledFlag: Sendable {
  let value = Atomic<Bool>(false)
}
