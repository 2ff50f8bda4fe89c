import FlyingSocks
import Foundation
import Testing

@testable import FalEmulator

#if os(Linux)
  @Suite struct NoDelayEventQueueTests {
    /// Nagle's algorithm held each small response body until the client's delayed acknowledgement of
    /// its head (~42 ms a response); every socket the server watches must have it off.
    @Test("a connection watched by the emulator's event queue has TCP_NODELAY on")
    func watchedSocketsSendAtOnce() throws {
      let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
      defer { close(listener) }
      var address = sockaddr_in()
      address.sin_family = sa_family_t(AF_INET)
      address.sin_addr.s_addr = inet_addr("127.0.0.1")
      var length = socklen_t(MemoryLayout<sockaddr_in>.size)
      try withUnsafeMutablePointer(to: &address) { pointer in
        try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
          try #require(bind(listener, raw, length) == 0)
          try #require(getsockname(listener, raw, &length) == 0)
        }
      }
      try #require(listen(listener, 1) == 0)
      let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
      defer { close(client) }
      try withUnsafePointer(to: &address) { pointer in
        try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
          try #require(connect(client, raw, length) == 0)
        }
      }
      let accepted = accept(listener, nil, nil)
      try #require(accepted >= 0)
      defer { close(accepted) }

      func noDelay(_ descriptor: Int32) -> Int32 {
        var value: Int32 = -1
        var size = socklen_t(MemoryLayout<Int32>.size)
        _ = getsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &value, &size)
        return value
      }
      #expect(noDelay(accepted) == 0, "a new connection starts with Nagle on")
      var queue = NoDelayEventQueue()
      try queue.open()
      defer { try? queue.close() }
      try queue.addEvents([.read], for: Socket.FileDescriptor(rawValue: accepted))
      #expect(noDelay(accepted) == 1)
    }
  }
#endif
