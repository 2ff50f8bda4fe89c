import ChildSpawn
import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// One decoder child whose standard output we read through a pipe (a socket pair).
///
/// Standard error goes to an unlinked temporary file, not a second pipe: a corrupt file can make
/// libav print a line per broken frame, and a pipe nobody drains would stall it while we wait
/// for frames. Started with `posix_spawn`, an empty signal mask and default dispositions, so a
/// child started from a thread that blocks signals still dies of SIGPIPE and SIGKILL as usual.
///
/// Every method that blocks (``read(into:)``, ``finish()``) is for a thread of its own.
/// ``kill()`` may come from anywhere at any time: it only signals a child not yet reaped, so a
/// recycled pid is never hit.
final class ChildPipe: Sendable {
  struct Exit: Sendable {
    var status: Int32
    /// The last line the child printed on standard error (its reason), trimmed.
    var lastErrorLine: String
    var succeeded: Bool { status == 0 }
  }

  let pid: pid_t
  private let output: Int32
  private let errors: Int32
  private let reaped = Mutex(false)

  private init(pid: pid_t, output: Int32, errors: Int32) {
    self.pid = pid
    self.output = output
    self.errors = errors
  }

  /// Starts `argv` (argv[0] an absolute path).
  static func spawn(_ argv: [String]) throws(PreviewError) -> ChildPipe {
    // A socket pair rather than pipe(2): it is created close-on-exec in one call (pipe2 is hidden
    // without _GNU_SOURCE), so a child another thread starts meanwhile never inherits our end and
    // holds it open past the child's exit.
    var ends: [Int32] = [0, 0]
    guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
      throw .cannotStart("\(argv[0]): \(String(cString: strerror(errno)))")
    }
    shutdown(ends[0], Int32(SHUT_WR))
    let scratch = NSTemporaryDirectory() + "/magi-decode-\(UUID().uuidString)"
    let errors = open(scratch, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard errors >= 0 else {
      close(ends[0])
      close(ends[1])
      throw .cannotStart("\(argv[0]): no temporary file: \(String(cString: strerror(errno)))")
    }
    unlink(scratch)

    let pid: pid_t
    do throws(SpawnFailure) {
      pid = try ChildSpawn.start(argv, stdout: .ours(ends[1]), stderr: .ours(errors))
    } catch {
      close(ends[0])
      close(ends[1])
      close(errors)
      throw error.code == ENOENT ? .decoderMissing : .cannotStart("\(argv[0]): \(error)")
    }
    close(ends[1])
    return ChildPipe(pid: pid, output: ends[0], errors: errors)
  }

  /// Fills `buffer` from the pipe; returns how many bytes came (fewer than its size only at end of file).
  func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
    var filled = 0
    while filled < buffer.count {
      let got = Glibc.read(output, buffer.baseAddress! + filled, buffer.count - filled)
      if got > 0 {
        filled += got
      } else if got < 0, errno == EINTR {
        continue
      } else {
        break
      }
    }
    return filled
  }

  /// Everything left on the pipe, up to `limit` bytes (the probe's JSON).
  func readAll(limit: Int = 1 << 20) -> [UInt8] {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16384)
    while bytes.count < limit {
      let got = chunk.withUnsafeMutableBytes { read(into: UnsafeMutableRawBufferPointer(rebasing: $0[...])) }
      bytes += chunk[..<got]
      if got < chunk.count { break }
    }
    return bytes
  }

  /// Kills the child unless it has been reaped already (then its pid may belong to someone else).
  func kill() {
    reaped.withLock { reaped in
      if !reaped { _ = Glibc.kill(pid, SIGKILL) }
    }
  }

  /// Closes our end of the pipe (a child still writing gets SIGPIPE), reaps the child and
  /// returns how it ended. Call once.
  func finish() -> Exit {
    close(output)
    // Wait without reaping, then reap under the lock `kill()` takes: between the two, the pid is
    // still ours (a zombie), so a late kill cannot reach another process.
    var info = siginfo_t()
    while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0, errno == EINTR {}
    var status: Int32 = 0
    reaped.withLock { reaped in
      while waitpid(pid, &status, 0) < 0, errno == EINTR {}
      reaped = true
    }
    let message = lastLine(of: errors)
    close(errors)
    let signal = status & 0x7F
    return Exit(status: signal == 0 ? (status >> 8) & 0xFF : 128 + signal, lastErrorLine: message)
  }

  private func lastLine(of fd: Int32) -> String {
    let size = lseek(fd, 0, SEEK_END)
    guard size > 0 else { return "" }
    let length = Int(min(size, 2048))
    var bytes = [UInt8](repeating: 0, count: length)
    let got = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, length, size - off_t(length)) }
    guard got > 0 else { return "" }
    let text = String(decoding: bytes[..<got], as: UTF8.self)
    let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
    return lines.last(where: { !$0.isEmpty }) ?? ""
  }
}
