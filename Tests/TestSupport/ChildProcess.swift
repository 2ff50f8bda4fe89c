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
    let child = try spawn(argv, environment: environment, directory: directory) { actions in
      posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
      posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
      posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    }
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
  /// `directory`, its descriptors arranged by `arrange`; the child's pid. Signal mask and
  /// dispositions are reset (see the type's comment).
  static func spawn(
    _ argv: [String], environment: [String: String]?, directory: String?,
    arrange: (inout posix_spawn_file_actions_t) -> Void
  ) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    arrange(&actions)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var empty = sigset_t()
    sigemptyset(&empty)
    posix_spawnattr_setsigmask(&attributes, &empty)
    var all = sigset_t()
    sigfillset(&all)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    // env(1) also changes directory (`-C`): Swift's Glibc does not expose posix_spawn's chdir action.
    let full = ["/usr/bin/env"] + (directory.map { ["-C", $0] } ?? []) + argv
    let cArguments = full.map { strdup($0) } + [nil]
    defer { for argument in cArguments { free(argument) } }
    let cEnvironment = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
    defer { for variable in cEnvironment ?? [] { free(variable) } }
    var pid: pid_t = 0
    let spawned: Int32
    if let cEnvironment {
      spawned = posix_spawn(&pid, full[0], &actions, &attributes, cArguments, cEnvironment)
    } else {
      spawned = posix_spawn(&pid, full[0], &actions, &attributes, cArguments, environ)
    }
    guard spawned == 0 else { throw SpawnError.spawn(argv.first ?? "", spawned) }
    return pid
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
