import ChildSpawn

#if canImport(Glibc)
  import Glibc
#endif

/// A short-lived helper program (tmux's client), run to its end with text on its stdin and its
/// stdout and stderr collected. Blocking: call it on a thread of its own (`DedicatedThread`).
///
/// Spawned with an argv (never a shell) and the environment the caller gives (the studio passes
/// one without the key), with no signal blocked and every signal at its default, as a program
/// started from a shell would have.
struct ChildProcess {
  /// How a run ended.
  struct Exit: Sendable, Hashable {
    /// The exit status; nil when the program was killed by a signal or could not be started.
    var status: Int32?
    /// stdout and stderr together, as the program wrote them.
    var output: String
    /// Why the program could not be started (`posix_spawn`'s error), if it could not.
    var spawnError: String?

    var succeeded: Bool { status == 0 }
  }

  var executable: String
  var arguments: [String]
  var environment: [String: String]

  /// Runs the program to its end; `input` is written to its stdin, which is then closed.
  ///
  /// All input is written before any output is read: right for programs that read their input
  /// first or print little (tmux's client does both), a deadlock for a filter that prints as much
  /// as it reads.
  func run(input: [UInt8] = []) -> Exit {
    guard let stdin = Self.pipe(), let output = Self.pipe() else {
      return Exit(status: nil, output: "", spawnError: String(cString: strerror(errno)))
    }
    let pid: pid_t
    do throws(SpawnFailure) {
      pid = try ChildSpawn.start(
        [executable] + arguments, environment: environment, stdin: .ours(stdin.read), stdout: .ours(output.write),
        stderr: .ours(output.write))
    } catch {
      for fd in [stdin.read, stdin.write, output.read, output.write] { close(fd) }
      return Exit(status: nil, output: "", spawnError: error.description)
    }
    close(stdin.read)
    close(output.write)
    CursesTerminal.writeAll(stdin.write, input)
    close(stdin.write)
    let text = Self.readAll(output.read)
    close(output.read)
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0, errno == EINTR {}
    let exited = status & 0x7F == 0
    return Exit(status: exited ? (status >> 8) & 0xFF : nil, output: text, spawnError: nil)
  }

  /// The program named `name` on `environment`'s PATH, if any.
  static func find(_ name: String, environment: [String: String]) -> String? {
    for directory in (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
      let candidate = "\(directory)/\(name)"
      if access(candidate, X_OK) == 0 { return candidate }
    }
    return nil
  }

  /// A connected pair of descriptors, closed on exec from the start, so that a process another
  /// thread spawns meanwhile cannot hold an end open (the child here gets its ends through `dup2`,
  /// which clears the flag). A socket pair, because `pipe2` is hidden from Swift's Glibc module.
  private static func pipe() -> (read: Int32, write: Int32)? {
    var ends: [Int32] = [-1, -1]
    let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
    guard socketpair(AF_UNIX, type, 0, &ends) == 0 else { return nil }
    // One way only: what the child does not read is not a reply (and EOF comes with its end's close).
    _ = shutdown(ends[0], Int32(SHUT_WR))
    _ = shutdown(ends[1], Int32(SHUT_RD))
    return (ends[0], ends[1])
  }

  private static func readAll(_ fd: Int32) -> String {
    var collected: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
      let count = read(fd, &buffer, buffer.count)
      if count > 0 {
        collected += buffer[0..<count]
      } else if count < 0 && errno == EINTR {
        continue
      } else {
        break
      }
    }
    return String(decoding: collected, as: UTF8.self)
  }
}
