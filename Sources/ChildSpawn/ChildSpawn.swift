#if canImport(Glibc)
  import Glibc
#endif

/// What one of a child's standard descriptors is.
public enum ChildDescriptor: Sendable, Hashable {
  /// `/dev/null`: read-only as standard input, write-only as output.
  case null
  /// One of ours, duplicated onto the child's.
  case ours(Int32)
  /// A file the child writes: created or truncated, mode 0600.
  case file(String)
}

/// Why `posix_spawn` could not start a program: its error number (`ENOENT`: no such program).
public struct SpawnFailure: Error, Sendable, Hashable, CustomStringConvertible {
  public let code: Int32

  public init(code: Int32) { self.code = code }

  public var description: String { String(cString: strerror(code)) }
}

/// Starts programs the one way the project does: `posix_spawn` with an argv (never a shell), the
/// standard descriptors arranged, no signal blocked and every signal at its default.
///
/// The signal state matters because children are started from threads that block signals (the
/// task pool's and our own threads block SIGCHLD, SIGTERM, SIGINT, …) in a process that ignores
/// SIGPIPE: inherited, a viewer could not be stopped with SIGTERM, the decoder would not die of a closed
/// pipe, and a script's `wait` would never hear of its child.
public enum ChildSpawn {
  /// Starts `argv` (`argv[0]` an absolute path) and returns its pid; the caller reaps it.
  ///
  /// - Parameters:
  ///   - environment: exactly the child's environment; nil gives it ours.
  ///   - newSession: the child leads a session of its own (detached from our terminal).
  public static func start(
    _ argv: [String], environment: [String: String]? = nil, stdin: ChildDescriptor = .null,
    stdout: ChildDescriptor = .null, stderr: ChildDescriptor = .null, newSession: Bool = false
  ) throws(SpawnFailure) -> pid_t {
    precondition(!argv.isEmpty, "a child needs a program")
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    for (target, descriptor) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
      switch descriptor {
      case .null:
        posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
      case .ours(let fd):
        posix_spawn_file_actions_adddup2(&actions, fd, target)
      case .file(let path):
        posix_spawn_file_actions_addopen(&actions, target, path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
      }
    }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var empty = sigset_t()
    sigemptyset(&empty)
    posix_spawnattr_setsigmask(&attributes, &empty)
    var all = sigset_t()
    sigfillset(&all)
    posix_spawnattr_setsigdefault(&attributes, &all)
    // POSIX_SPAWN_SETSID (0x80, glibc 2.26+) is hidden behind _GNU_SOURCE: Swift sees no name for it.
    let setsid: Int32 = newSession ? 0x80 : 0
    posix_spawnattr_setflags(&attributes, Int16(setsid | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    let cArguments = argv.map { strdup($0) } + [nil]
    let cEnvironment = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
    defer {
      for pointer in cArguments + (cEnvironment ?? []) { free(pointer) }
    }
    var pid: pid_t = 0
    let result =
      if let cEnvironment {
        posix_spawn(&pid, argv[0], &actions, &attributes, cArguments, cEnvironment)
      } else {
        posix_spawn(&pid, argv[0], &actions, &attributes, cArguments, environ)
      }
    guard result == 0 else { throw SpawnFailure(code: result) }
    return pid
  }
}
