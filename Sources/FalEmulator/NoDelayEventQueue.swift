import FlyingSocks

#if canImport(Glibc)
  import Glibc
#endif

#if os(Linux)
  /// FlyingFox's epoll queue, turning Nagle's algorithm off on every socket it is asked to watch.
  ///
  /// FlyingFox writes a response's head and its body in two writes. With Nagle on, the second (a small
  /// JSON body) waits until the client acknowledges the first, and a client reusing its connection
  /// delays that acknowledgement by up to 40 ms: every small answer of the emulator took ~42 ms
  /// (strace of an upload: the initiate answer and the PUT answer each stalled 42 ms between head and
  /// body, a 10 MB upload ran at half of curl's speed). fal's servers answer at once; so must the twin.
  /// The server offers no hook on its sockets, but every connection passes through the event queue.
  struct NoDelayEventQueue: EventQueue {
    private var base: ePoll

    init(maxEvents: Int = 20) {
      base = ePoll(maxEvents: maxEvents)
    }

    mutating func open() throws { try base.open() }
    mutating func stop() throws { try base.stop() }
    mutating func close() throws { try base.close() }

    mutating func addEvents(_ events: Socket.Events, for socket: Socket.FileDescriptor) throws {
      // Also reached for the listening socket and on every wait of a connection; the option is set
      // again each time (a system call, no state kept on descriptor numbers that get reused), and
      // fails harmlessly where it does not apply.
      var on: Int32 = 1
      _ = setsockopt(socket.rawValue, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
      try base.addEvents(events, for: socket)
    }

    mutating func removeEvents(_ events: Socket.Events, for socket: Socket.FileDescriptor) throws {
      try base.removeEvents(events, for: socket)
    }

    func getNotifications() throws -> [EventNotification] {
      try base.getNotifications()
    }
  }
#endif
