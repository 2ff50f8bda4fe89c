import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Calls back when `history.jsonl` in a data directory changes, whoever changed it: a `generate`
/// in another shell, a second studio, a compaction that renamed a new file over it.
///
/// It watches the directory, not the file, with inotify, because a compaction replaces the file
/// (a watch on the old inode would go quiet). A thread of its own sleeps in `poll()` on the
/// inotify descriptor and a stop pipe with no timeout: while nothing is written it never wakes,
/// and a burst of writes (a job's updates) is one callback per read of the queued events.
public final class HistoryWatcher: Sendable {
  private let inotify: Int32
  private let stopPipe: (read: Int32, write: Int32)
  private let thread = Mutex<pthread_t?>(nil)

  /// Starts watching `directory`; nil when inotify is unavailable (then nothing is watched, and
  /// the history is still read fresh whenever it is asked).
  ///
  /// - Parameter onChange: called on the watcher's thread, after one or more changes; it must be
  ///   quick (post an action and return).
  public init?(directory: String, onChange: @escaping @Sendable () -> Void) {
    let inotify = inotify_init1(Int32(IN_CLOEXEC))
    guard inotify >= 0 else { return nil }
    let mask = UInt32(IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE)
    var pipeEnds: [Int32] = [-1, -1]
    guard inotify_add_watch(inotify, directory, mask) >= 0, pipe(&pipeEnds) == 0 else {
      close(inotify)
      return nil
    }
    for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
    self.inotify = inotify
    stopPipe = (pipeEnds[0], pipeEnds[1])
    let context = Context(inotify: inotify, stop: pipeEnds[0], onChange: onChange)
    let box = Unmanaged.passRetained(context).toOpaque()
    var started = pthread_t()
    guard
      pthread_create(
        &started, nil,
        { raw in
          guard let raw else { return nil }
          Unmanaged<Context>.fromOpaque(raw).takeRetainedValue().run()
          return nil
        }, box) == 0
    else {
      Unmanaged<Context>.fromOpaque(box).release()
      close(inotify)
      close(pipeEnds[0])
      close(pipeEnds[1])
      return nil
    }
    thread.withLock { $0 = started }
  }

  /// Stops the thread and waits for it; safe to call more than once.
  public func stop() {
    guard
      let running = thread.withLock({ current -> pthread_t? in
        defer { current = nil }
        return current
      })
    else {
      return
    }
    var byte: UInt8 = 1
    _ = write(stopPipe.write, &byte, 1)
    pthread_join(running, nil)
  }

  deinit {
    stop()
    close(inotify)
    close(stopPipe.read)
    close(stopPipe.write)
  }

  /// What the thread needs; it owns no descriptor (the watcher closes them after the join).
  private final class Context: @unchecked Sendable {
    let inotify: Int32
    let stop: Int32
    let onChange: @Sendable () -> Void

    init(inotify: Int32, stop: Int32, onChange: @escaping @Sendable () -> Void) {
      self.inotify = inotify
      self.stop = stop
      self.onChange = onChange
    }

    func run() {
      // Named for `top -H` and the idle test's per-thread wake-up counts.
      let name = Array("magi-history".utf8)
      let comm = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
      if comm >= 0 {
        _ = name.withUnsafeBytes { write(comm, $0.baseAddress, $0.count) }
        close(comm)
      }
      var fds = [
        pollfd(fd: inotify, events: Int16(POLLIN), revents: 0), pollfd(fd: stop, events: Int16(POLLIN), revents: 0),
      ]
      var buffer = [UInt8](repeating: 0, count: 16 << 10)
      while true {
        let ready = poll(&fds, 2, -1)
        if ready < 0 {
          if errno == EINTR { continue }
          return
        }
        if fds[1].revents != 0 { return }
        guard fds[0].revents & Int16(POLLIN) != 0 else { continue }
        let count = buffer.withUnsafeMutableBytes { read(inotify, $0.baseAddress, $0.count) }
        if count < 0 {
          if errno == EINTR || errno == EAGAIN { continue }
          return
        }
        if buffer.withUnsafeBytes({ Self.namesHistory(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }) {
          onChange()
        }
      }
    }

    /// Whether any event in `events` is about `history.jsonl` (not the lock, index or kept-aside files).
    static func namesHistory(_ events: UnsafeRawBufferPointer) -> Bool {
      let header = MemoryLayout<inotify_event>.size
      var position = 0
      while position + header <= events.count {
        let length = Int(events.loadUnaligned(fromByteOffset: position + header - 4, as: UInt32.self))
        let nameStart = position + header
        let nameEnd = min(events.count, nameStart + length)
        let name = events[nameStart..<nameEnd].prefix { $0 != 0 }
        if name.elementsEqual("history.jsonl".utf8) { return true }
        position = nameEnd
      }
      return false
    }
  }
}
