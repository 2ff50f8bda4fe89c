import SystemPackage

#if canImport(Glibc)
  import Glibc
#endif

/// One open file of the history's directory (`history.jsonl`, its lock file, `history.index`, the
/// kept-aside lines, an export): it owns the descriptor, closes it when it goes, and is the one
/// place where the history's system calls are made and retried when a signal interrupts them.
///
/// Noncopyable, so that a descriptor has exactly one owner: a store that moves to a new file after
/// a compaction replaces its `HistoryFile`, and the old descriptor is closed then, never twice.
/// Errors are the system's `errno` (``Errno``); callers turn them into a ``HistoryStoreError`` that
/// says what the store was doing.
struct HistoryFile: ~Copyable {
  let descriptor: FileDescriptor
  let path: String

  /// Opens `path` with `open(2)` `flags` (`O_CLOEXEC` is always added).
  init(opening path: String, _ flags: Int32, permissions: mode_t = 0o600) throws(Errno) {
    let raw = Self.retrying { Glibc.open(path, flags | O_CLOEXEC, permissions) }
    guard raw >= 0 else { throw Errno(rawValue: errno) }
    descriptor = FileDescriptor(rawValue: raw)
    self.path = path
  }

  /// Takes ownership of a descriptor opened elsewhere (it is closed with this value).
  init(adopting descriptor: Int32, path: String) {
    self.descriptor = FileDescriptor(rawValue: descriptor)
    self.path = path
  }

  deinit { _ = Glibc.close(descriptor.rawValue) }

  /// The file's `fstat`.
  func status() throws(Errno) -> stat {
    var info = stat()
    guard fstat(descriptor.rawValue, &info) == 0 else { throw Errno(rawValue: errno) }
    return info
  }

  func size() throws(Errno) -> Int64 { Int64(try status().st_size) }

  // MARK: Reading

  /// Fills `buffer` from `offset`; false at an early end of file or on an error (then `errno` says which).
  func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) -> Bool {
    guard let base = buffer.baseAddress else { return true }
    var done = 0
    while done < buffer.count {
      let count = Self.retrying {
        pread(descriptor.rawValue, base + done, buffer.count - done, off_t(offset) + off_t(done))
      }
      if count <= 0 {
        if count == 0 { errno = EIO }
        return false
      }
      done += count
    }
    return true
  }

  /// `count` bytes from `offset`; an end of file before them is `EIO`.
  func read(at offset: Int64, count: Int) throws(Errno) -> [UInt8] {
    var complete = true
    let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
      complete = read(into: UnsafeMutableRawBufferPointer(buffer), at: offset)
      initialized = complete ? count : 0
    }
    guard complete else { throw Errno(rawValue: errno) }
    return bytes
  }

  /// Whatever `pread` gives at `offset` into `buffer[range]` (fewer bytes at the end of the file, 0 past it).
  func readSome(into buffer: inout [UInt8], _ range: Range<Int>, at offset: Int64) throws(Errno) -> Int {
    let count = buffer.withUnsafeMutableBytes { raw in
      Self.retrying { pread(descriptor.rawValue, raw.baseAddress! + range.lowerBound, range.count, off_t(offset)) }
    }
    guard count >= 0 else { throw Errno(rawValue: errno) }
    return count
  }

  /// The whole file, from its start.
  func readAll() throws(Errno) -> [UInt8] {
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 << 10)
    while true {
      let count = try readSome(into: &chunk, 0..<chunk.count, at: Int64(result.count))
      if count == 0 { return result }
      result.append(contentsOf: chunk[0..<count])
    }
  }

  // MARK: Writing

  /// Writes all of `bytes` at the file's position (the end, for a file opened with `O_APPEND`).
  func write<Bytes: Sequence<UInt8>>(_ bytes: Bytes) throws(Errno) {
    try Self.writeAll(descriptor, bytes)
  }

  /// Writes all of `bytes` at `offset`, leaving the file's position alone.
  func write<Bytes: Sequence<UInt8>>(_ bytes: Bytes, at offset: Int64) throws(Errno) {
    do {
      try descriptor.writeAll(toAbsoluteOffset: offset, bytes)
    } catch {
      throw error as? Errno ?? .ioError
    }
  }

  func truncate(to size: Int64) throws(Errno) {
    guard Self.retrying({ ftruncate(descriptor.rawValue, off_t(size)) }) == 0 else { throw Errno(rawValue: errno) }
  }

  /// `fsync`: the bytes written so far are on disk when it returns.
  func sync() throws(Errno) {
    guard Self.retrying({ fsync(descriptor.rawValue) }) == 0 else { throw Errno(rawValue: errno) }
  }

  // MARK: Locking

  /// `flock` with `operation` (`LOCK_SH`, `LOCK_EX`), waiting for another holder as long as it takes.
  func lock(_ operation: Int32) throws(Errno) {
    guard Self.retrying({ flock(descriptor.rawValue, operation) }) == 0 else { throw Errno(rawValue: errno) }
  }

  func unlock() {
    _ = Self.retrying { flock(descriptor.rawValue, LOCK_UN) }
  }

  // MARK: Helpers

  /// Writes all of `bytes` to `descriptor`, retrying after a signal: the one write-all loop of the tree
  /// is swift-system's (`FileDescriptor.writeAll`), and this only narrows its error to ``Errno``.
  static func writeAll<Bytes: Sequence<UInt8>>(_ descriptor: FileDescriptor, _ bytes: Bytes) throws(Errno) {
    do {
      try descriptor.writeAll(bytes)
    } catch {
      throw error as? Errno ?? .ioError
    }
  }

  /// `fsync`s a directory, so that a file created or renamed in it survives a crash too.
  static func syncDirectory(_ path: String) {
    guard let directory = try? HistoryFile(opening: path, O_RDONLY | O_DIRECTORY) else { return }
    try? directory.sync()
  }

  /// Calls `body` again while it fails with `EINTR`.
  private static func retrying<Result: BinaryInteger>(_ body: () -> Result) -> Result {
    while true {
      let result = body()
      if result >= 0 || errno != EINTR { return result }
    }
  }
}

extension HistoryStoreError {
  init(_ operation: Operation, path: String, errno: Errno) {
    self.init(operation, path: path, code: errno.rawValue)
  }
}
