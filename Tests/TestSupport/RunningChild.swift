import ChildSpawn
import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A child process a test acts on while it runs: its output is read as it comes and its exit is
/// awaited, neither holding a thread of Swift's task pool (reads and `waitpid` block, so each has a
/// thread of its own that resumes the awaiting tasks).
///
/// Started like ``ChildProcess`` (signal mask and dispositions reset). A child still running when
/// the value goes away is killed, so a failing test leaves no server behind.
public final class RunningChild: Sendable {
  public struct Exit: Sendable, Equatable {
    /// The exit code, or 128 + the signal that ended it (as a shell says).
    public var status: Int32
    /// The signal that ended it, if one did.
    public var signal: Int32?
    /// Whether it was killed for outliving the wait's time limit.
    public var timedOut: Bool
  }

  public let pid: pid_t
  public let stdout: ChildOutput
  public let stderr: ChildOutput
  /// The write end of the child's stdin, when it has one (`input: true`); -1 once closed.
  private let input: Mutex<Int32>
  private let exit: ExitWaiter
  private let killedForTime = Atomic<Bool>(false)

  /// Starts `argv` (argv[0] is looked up on PATH by `/usr/bin/env`) with `environment` (nil: ours)
  /// in `directory`; stdin is /dev/null unless `input`, then a pipe ``closeInput()`` closes.
  public init(
    _ argv: [String], environment: [String: String]? = nil, directory: String? = nil, input: Bool = false
  ) throws {
    let outPipe = try Self.pipe()
    let errPipe = try Self.pipe()
    let inPipe = input ? try Self.pipe() : nil
    let pid: pid_t
    do {
      pid = try ChildProcess.spawn(
        argv, environment: environment, directory: directory, stdin: inPipe.map { .ours($0.read) } ?? .null,
        stdout: .ours(outPipe.write), stderr: .ours(errPipe.write))
    } catch {
      for fd in [outPipe.read, outPipe.write, errPipe.read, errPipe.write, inPipe?.read, inPipe?.write].compactMap({
        $0
      }) {
        close(fd)
      }
      throw error
    }
    // The child has its copies; ours of the ends it uses would keep its output from ending.
    close(outPipe.write)
    close(errPipe.write)
    if let inPipe { close(inPipe.read) }
    self.pid = pid
    self.input = Mutex(inPipe?.write ?? -1)
    stdout = ChildOutput(reading: outPipe.read, threadName: "test-child-out")
    stderr = ChildOutput(reading: errPipe.read, threadName: "test-child-err")
    exit = ExitWaiter(pid: pid)
  }

  deinit {
    if !exit.hasExited { Glibc.kill(pid, SIGKILL) }
    closeInput()
  }

  /// Sends `signal` unless the child has already been waited for (its pid may be someone else's).
  public func kill(_ signal: Int32 = SIGKILL) {
    if !exit.hasExited { Glibc.kill(pid, signal) }
  }

  /// Ctrl-C, as a terminal would send it.
  public func interrupt() { kill(SIGINT) }

  /// Closes the child's stdin: it reads end of file.
  public func closeInput() {
    input.withLock { fd in
      if fd >= 0 { close(fd) }
      fd = -1
    }
  }

  /// Waits for the child to exit; kills it (SIGKILL) when it has not within `timeout`.
  @discardableResult
  public func exitStatus(within timeout: Duration = .seconds(120)) async -> Exit {
    let killer = Task {
      guard (try? await Task.sleep(for: timeout)) != nil, !self.exit.hasExited else { return }
      self.killedForTime.store(true, ordering: .relaxed)
      Glibc.kill(self.pid, SIGKILL)
    }
    defer { killer.cancel() }
    let raw = await exit.status()
    let signal = raw & 0x7F
    return Exit(
      status: ChildProcess.exitCode(raw), signal: signal == 0 ? nil : signal,
      timedOut: killedForTime.load(ordering: .relaxed))
  }

  /// Interrupts the child and waits for it to end (killing it after `timeout`).
  @discardableResult
  public func stop(within timeout: Duration = .seconds(30)) async -> Exit {
    interrupt()
    return await exitStatus(within: timeout)
  }

  private static func pipe() throws -> (read: Int32, write: Int32) {
    var fds: [Int32] = [0, 0]
    // A socket pair rather than a pipe: it can be made close-on-exec atomically (Glibc's module has
    // no pipe2), so a child another test starts meanwhile never inherits our ends.
    let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
    guard socketpair(AF_UNIX, type, 0, &fds) == 0 else { throw ChildProcess.SpawnError.spawn("socketpair", errno) }
    return (fds[0], fds[1])
  }
}

/// `waitpid` for one child on a thread of its own; any number of tasks await the status.
private final class ExitWaiter: Sendable {
  private struct State {
    var status: Int32?
    var waiters: [CheckedContinuation<Int32, Never>] = []
  }

  private let state = Mutex(State())

  init(pid: pid_t) {
    let thread = Thread { [self] in
      var status: Int32 = 0
      while waitpid(pid, &status, 0) < 0, errno == EINTR {}
      let waiters = self.state.withLock { state in
        state.status = status
        defer { state.waiters = [] }
        return state.waiters
      }
      for waiter in waiters { waiter.resume(returning: status) }
    }
    thread.name = "test-waitpid"
    thread.start()
  }

  var hasExited: Bool { state.withLock { $0.status != nil } }

  func status() async -> Int32 {
    await withCheckedContinuation { continuation in
      let known: Int32? = state.withLock { state in
        if let status = state.status { return status }
        state.waiters.append(continuation)
        return nil
      }
      if let known { continuation.resume(returning: known) }
    }
  }
}

/// What a child writes to one descriptor, read on a thread of its own as it comes; tasks wait for
/// a condition on the text so far, bounded by a deadline.
public final class ChildOutput: Sendable {
  public typealias Condition = @Sendable (_ text: String, _ ended: Bool) -> Bool

  private struct Waiter {
    let id: Int
    let condition: Condition
    let continuation: CheckedContinuation<Bool, Never>
  }

  private struct State {
    var bytes: [UInt8] = []
    var ended = false
    var waiters: [Waiter] = []
    var nextID = 0
    /// Deadlines that passed before their waiter was registered.
    var expired: Set<Int> = []
  }

  private let state = Mutex(State())

  init(reading fd: Int32, threadName: String) {
    let thread = Thread { [self] in
      var buffer = [UInt8](repeating: 0, count: 65536)
      while true {
        let count = read(fd, &buffer, buffer.count)
        if count < 0, errno == EINTR { continue }
        guard count > 0 else { break }
        self.update { $0.bytes += buffer[0..<count] }
      }
      close(fd)
      self.update { $0.ended = true }
    }
    thread.name = threadName
    thread.start()
  }

  /// Everything read so far.
  public var text: String { state.withLock { String(decoding: $0.bytes, as: UTF8.self) } }

  /// The lines read so far (a last line without its newline once the output has ended).
  public var lines: [String] {
    state.withLock { Self.lines(in: String(decoding: $0.bytes, as: UTF8.self), ended: $0.ended) }
  }

  /// Whether `condition` came to hold within `timeout`.
  public func wait(within timeout: Duration = .seconds(30), until condition: @escaping Condition) async -> Bool {
    let id = state.withLock { state in
      defer { state.nextID += 1 }
      return state.nextID
    }
    let expiry = Task {
      guard (try? await Task.sleep(for: timeout)) != nil else { return }
      self.expire(id)
    }
    defer { expiry.cancel() }
    return await withCheckedContinuation { continuation in
      let now: Bool? = state.withLock { state in
        if condition(String(decoding: state.bytes, as: UTF8.self), state.ended) { return true }
        if state.expired.remove(id) != nil { return false }
        state.waiters.append(Waiter(id: id, condition: condition, continuation: continuation))
        return nil
      }
      if let now { continuation.resume(returning: now) }
    }
  }

  /// Whether `text` appeared within `timeout`.
  public func contains(_ text: String, within timeout: Duration = .seconds(30)) async -> Bool {
    await wait(within: timeout) { seen, _ in seen.contains(text) }
  }

  /// The first `count` lines, or fewer when the output ended or `timeout` passed first.
  public func lines(reaching count: Int, within timeout: Duration = .seconds(30)) async -> [String] {
    _ = await wait(within: timeout) { text, ended in ended || Self.lines(in: text, ended: false).count >= count }
    return Array(lines.prefix(count))
  }

  /// Every line once the output has ended (the child closed it, usually by exiting), or what came
  /// within `timeout`.
  public func allLines(within timeout: Duration = .seconds(120)) async -> [String] {
    _ = await wait(within: timeout) { _, ended in ended }
    return lines
  }

  /// Everything once the output has ended, or what came within `timeout`.
  public func untilEnd(within timeout: Duration = .seconds(120)) async -> String {
    _ = await wait(within: timeout) { _, ended in ended }
    return text
  }

  private static func lines(in text: String, ended: Bool) -> [String] {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    // The piece after the last newline is a line only once nothing more can come.
    if !ended || lines.last == "" { lines.removeLast() }
    return lines
  }

  private func update(_ change: (inout State) -> Void) {
    let ready: [CheckedContinuation<Bool, Never>] = state.withLock { state in
      change(&state)
      guard !state.waiters.isEmpty else { return [] }
      let text = String(decoding: state.bytes, as: UTF8.self)
      var ready: [CheckedContinuation<Bool, Never>] = []
      state.waiters.removeAll { waiter in
        guard waiter.condition(text, state.ended) else { return false }
        ready.append(waiter.continuation)
        return true
      }
      return ready
    }
    for continuation in ready { continuation.resume(returning: true) }
  }

  private func expire(_ id: Int) {
    let waiter = state.withLock { state -> Waiter? in
      guard let index = state.waiters.firstIndex(where: { $0.id == id }) else {
        state.expired.insert(id)
        return nil
      }
      return state.waiters.remove(at: index)
    }
    waiter?.continuation.resume(returning: false)
  }
}
