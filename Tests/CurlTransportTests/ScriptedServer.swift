import Dispatch
import Foundation
import Synchronization
import TestSupport

#if canImport(Glibc)
  import Glibc
#endif

/// A raw TCP server on 127.0.0.1 whose every connection runs a test-written script on its own thread.
///
/// FlyingFox serves well-formed exchanges; this serves the broken ones (a close mid-body, a stall,
/// a stream held open until the test says go) byte for byte, which no HTTP framework will do.
final class ScriptedServer: Sendable {
  let port: UInt16
  private let listener: Int32
  private let acceptCount = Recorder<Int32>()

  var url: String { "http://127.0.0.1:\(port)" }
  var connectionsAccepted: Int { acceptCount.items.count }

  init(_ script: @escaping @Sendable (ScriptedConnection) -> Void) throws {
    listener = try Self.listen()
    port = Self.port(of: listener)
    let listener = self.listener
    let thread = Thread { [acceptCount] in
      while true {
        let fd = accept(listener, nil, nil)
        if fd < 0 {
          if errno == EINTR { continue }
          return
        }
        acceptCount.append(fd)
        Thread {
          let connection = ScriptedConnection(fd: fd)
          script(connection)
          connection.close()
        }.start()
      }
    }
    thread.start()
  }

  deinit {
    // Wakes the blocked accept() so the thread ends.
    shutdown(listener, Int32(SHUT_RDWR))
    Glibc.close(listener)
  }

  private static func listen() throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard bound == 0, Glibc.listen(fd, 128) == 0 else {
      Glibc.close(fd)
      throw POSIXError(.EADDRINUSE)
    }
    return fd
  }

  static func port(of fd: Int32) -> UInt16 {
    var address = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return UInt16(bigEndian: address.sin_port)
  }

  /// A port on which nothing listens: bound by us, then released.
  static func refusedPort() throws -> UInt16 {
    let fd = try listen()
    let port = port(of: fd)
    Glibc.close(fd)
    return port
  }
}

/// One accepted connection, driven synchronously by a script.
final class ScriptedConnection: @unchecked Sendable {
  // Owned by the one connection thread that runs the script.
  let fd: Int32
  private var pending: [UInt8] = []
  private var closed = false

  init(fd: Int32) { self.fd = fd }

  /// Reads up to the blank line that ends the request head.
  func readHead() -> String? {
    let terminator: [UInt8] = Array("\r\n\r\n".utf8)
    while true {
      if let end = pending.firstRange(of: terminator) {
        let head = String(decoding: pending[..<end.lowerBound], as: UTF8.self)
        pending.removeSubrange(..<end.upperBound)
        return head
      }
      guard fill() else { return nil }
    }
  }

  /// The Content-Length a request head declares, or 0.
  static func contentLength(in head: String) -> Int {
    for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
      return Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
    }
    return 0
  }

  /// Reads exactly `count` body bytes (fewer if the peer closes).
  func readBody(_ count: Int) -> [UInt8] {
    while pending.count < count, fill() {}
    let body = Array(pending.prefix(count))
    pending.removeFirst(body.count)
    return body
  }

  /// Reads and throws away `count` bytes through a small buffer, so memory stays flat.
  func discardBody(_ count: Int) -> Int {
    var remaining = count
    let fromPending = min(remaining, pending.count)
    pending.removeFirst(fromPending)
    remaining -= fromPending
    var buffer = [UInt8](repeating: 0, count: 64 << 10)
    while remaining > 0 {
      let n = buffer.withUnsafeMutableBytes {
        recv(fd, $0.baseAddress, min($0.count, remaining), 0)
      }
      if n < 0, errno == EINTR { continue }
      if n <= 0 { break }
      remaining -= n
    }
    return count - remaining
  }

  @discardableResult
  func send(_ text: String) -> Bool { send(Array(text.utf8)) }

  @discardableResult
  func send(_ bytes: [UInt8]) -> Bool {
    var offset = 0
    while offset < bytes.count {
      let n = bytes.withUnsafeBytes {
        Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
      }
      if n < 0, errno == EINTR { continue }
      if n <= 0 { return false }
      offset += n
    }
    return true
  }

  /// One chunk of a chunked body.
  @discardableResult
  func sendChunk(_ text: String) -> Bool {
    send(String(text.utf8.count, radix: 16) + "\r\n" + text + "\r\n")
  }

  /// Blocks until the client closes the connection; false if that takes longer than `seconds`.
  func waitForPeerClose(seconds: Int32) -> Bool {
    var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    let deadline = Date().addingTimeInterval(TimeInterval(seconds))
    while Date() < deadline {
      let ready = poll(&descriptor, 1, 100)
      if ready > 0 {
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, 0)
        if n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN) { return true }
      }
    }
    return false
  }

  func close() {
    guard !closed else { return }
    closed = true
    Glibc.close(fd)
  }

  private func fill() -> Bool {
    var buffer = [UInt8](repeating: 0, count: 16 << 10)
    while true {
      let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
      if n < 0, errno == EINTR { continue }
      guard n > 0 else { return false }
      pending.append(contentsOf: buffer[..<n])
      return true
    }
  }
}

/// A one-shot signal between a test and a server thread, with a bounded wait so no test hangs.
final class Gate: Sendable {
  private let semaphore = DispatchSemaphore(value: 0)
  private let opened = Recorder<Bool>()

  func open() {
    opened.append(true)
    semaphore.signal()
  }

  /// Blocks the calling thread, a server's own (never the task pool's); false on timeout.
  func wait(seconds: Double = 15) -> Bool {
    semaphore.wait(timeout: .now() + seconds) == .success
  }

  /// Waits for the gate without holding any thread; false on timeout.
  func waitAsync(seconds: Double = 15) async -> Bool {
    await opened.first(within: .seconds(seconds)) { $0 } != nil
  }
}
