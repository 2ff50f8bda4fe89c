import CCurl
import FalClient
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// One time the network thread went to sleep in `curl_multi_poll`.
struct Park: Sendable {
  /// The loop pass that ended in this sleep.
  var pass: Int
  /// The longest it sleeps unless woken (a transfer's socket, a wakeup, a shutdown).
  var wait: Duration
  /// Transfers in the multi handle while it sleeps.
  var transfers: Int
}

/// The latest park and the tests waiting for one.
private struct ParkLog {
  struct Waiter {
    var id: UInt64
    var predicate: @Sendable (Park) -> Bool
    var continuation: CheckedContinuation<Park?, Never>
  }
  var latest: Park?
  var waiters: [Waiter] = []
  /// Deadlines that passed before their waiter was registered.
  var expired: Set<UInt64> = []
}

/// The one thread that owns the one `CURLM*`.
///
/// libcurl handles are not thread-safe, and several multi handles on different threads have
/// crashed OpenSSL builds of libcurl, so every transfer in the process runs here. Other threads
/// only append to `inbox` and call `curl_multi_wakeup`, which curl documents as callable from any
/// thread. When nothing runs the thread sleeps in `curl_multi_poll` with a long timeout: no timer
/// ticks while idle.
final class CurlDriver: Sendable {
  private struct Inbox {
    var submitted: [CurlTransfer] = []
    var cancelled: [UInt64] = []
    var stopping = false
    /// The thread to join on shutdown; taken by the first `shutdown` call.
    var thread: pthread_t?
  }

  /// Owned by the driver thread; other threads only pass it to `curl_multi_wakeup`. Cleaned up in
  /// `deinit`, which runs after the thread has exited (the thread holds a strong reference).
  nonisolated(unsafe) private let multi: UnsafeMutableRawPointer
  private let inbox = Mutex(Inbox())
  private let nextID = Atomic<UInt64>(1)
  /// Loop passes so far, numbering the parks.
  private let passes = Atomic<Int>(0)
  /// How the thread last went to sleep, and who waits to hear of it: tests await a park instead of
  /// sleeping through a window and counting passes.
  private let parks = Mutex(ParkLog())
  /// How long the thread sleeps when curl has no timer of its own; a wakeup ends it early.
  private let idleWaitMilliseconds: Int32

  /// Loads libcurl (opened with dlopen on first use, not linked: see CCurl.h), then runs
  /// `curl_global_init`, which must run once, before any other libcurl call and before our thread
  /// starts. Nil when both succeeded, else what failed.
  static let globalInit: String? = {
    if let failure = ccurl_load() { return String(cString: failure) }
    let code = curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    guard code == CURLE_OK else { return "curl_global_init failed: \(String(cString: curl_easy_strerror(code)))" }
    return nil
  }()

  init(idleWaitMilliseconds: Int32 = 300_000) throws(TransportError) {
    if let failure = Self.globalInit { throw TransportError(.other, failure) }
    guard let multi = curl_multi_init() else {
      throw TransportError(.other, "curl_multi_init failed")
    }
    self.multi = multi
    self.idleWaitMilliseconds = idleWaitMilliseconds
    var thread = pthread_t()
    let context = Unmanaged.passRetained(self).toOpaque()
    let result = pthread_create(
      &thread, nil,
      { context in
        let driver = Unmanaged<CurlDriver>.fromOpaque(context!).takeRetainedValue()
        driver.run()
        return nil
      }, context)
    guard result == 0 else {
      Unmanaged<CurlDriver>.fromOpaque(context).release()
      throw TransportError(.other, "cannot start the network thread: \(errnoText(result))")
    }
    inbox.withLock { $0.thread = thread }
  }

  deinit {
    curl_multi_cleanup(multi)
  }

  /// The next time the thread goes to sleep in a way `predicate` accepts (or the latest sleep, if it
  /// does), or nil when that has not happened within `timeout`.
  func park(within timeout: Duration, where predicate: @escaping @Sendable (Park) -> Bool) async -> Park? {
    let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
    let expiry = Task {
      guard (try? await Task.sleep(for: timeout)) != nil else { return }
      let waiter = self.parks.withLock { log in
        guard let index = log.waiters.firstIndex(where: { $0.id == id }) else {
          log.expired.insert(id)
          return nil as ParkLog.Waiter?
        }
        return log.waiters.remove(at: index)
      }
      waiter?.continuation.resume(returning: nil)
    }
    defer { expiry.cancel() }
    return await withCheckedContinuation { continuation in
      // nil: registered, to be resumed by a park or the deadline; else resumed here at once.
      let now: Park?? = parks.withLock { log in
        if let latest = log.latest, predicate(latest) { return .some(latest) }
        if log.expired.remove(id) != nil { return .some(nil) }
        log.waiters.append(ParkLog.Waiter(id: id, predicate: predicate, continuation: continuation))
        return .none
      }
      if let now { continuation.resume(returning: now) }
    }
  }

  func makeID() -> UInt64 {
    nextID.wrappingAdd(1, ordering: .relaxed).oldValue
  }

  /// Queues a transfer; its continuation must already be set.
  func submit(_ transfer: CurlTransfer) {
    let accepted = inbox.withLock { inbox in
      guard !inbox.stopping else { return false }
      inbox.submitted.append(transfer)
      return true
    }
    guard accepted else {
      transfer.complete(.failure(Self.shutDownError))
      return
    }
    curl_multi_wakeup(multi)
  }

  /// Asks the thread to abort a transfer; harmless if it already finished.
  func cancel(_ transfer: CurlTransfer) {
    // Set before posting: a transfer that is still queued sees the flag when the thread adds it.
    transfer.cancelRequested.store(true, ordering: .sequentiallyConsistent)
    inbox.withLock { $0.cancelled.append(transfer.id) }
    curl_multi_wakeup(multi)
  }

  /// Fails every transfer with `.cancelled` and waits for the thread to exit.
  ///
  /// Safe to call more than once and from any thread, including the curl thread itself (from a
  /// stream handler), where it cannot wait and returns at once.
  func shutdown() {
    let thread: pthread_t? = inbox.withLock { inbox in
      inbox.stopping = true
      defer { inbox.thread = nil }
      return inbox.thread
    }
    curl_multi_wakeup(multi)
    guard let thread else { return }
    if pthread_equal(thread, pthread_self()) != 0 {
      pthread_detach(thread)
    } else {
      pthread_join(thread, nil)
    }
  }

  static let shutDownError = TransportError(.cancelled, "the transport was shut down")

  // MARK: - The thread

  private func run() {
    Self.prepareThread()
    // Transfers inside the multi handle, by id (for cancellation). Retains them: curl holds only
    // unretained pointers through CURLOPT_PRIVATE and the callback data options.
    var active: [UInt64: CurlTransfer] = [:]
    while true {
      passes.add(1, ordering: .relaxed)
      let (submitted, cancelled, stopping) = inbox.withLock { inbox in
        defer {
          inbox.submitted.removeAll()
          inbox.cancelled.removeAll()
        }
        return (inbox.submitted, inbox.cancelled, inbox.stopping)
      }
      for transfer in submitted {
        if transfer.cancelRequested.load(ordering: .sequentiallyConsistent) {
          transfer.complete(.failure(Self.cancelledError(transfer)))
        } else if let problem = transfer.prepare() {
          transfer.complete(.failure(problem))
        } else if let easy = transfer.easy, curl_multi_add_handle(multi, easy) == CURLM_OK {
          active[transfer.id] = transfer
        } else {
          transfer.complete(.failure(TransportError(.other, "curl_multi_add_handle failed")))
        }
      }
      for id in cancelled {
        guard let transfer = active.removeValue(forKey: id) else { continue }
        if let easy = transfer.easy { curl_multi_remove_handle(multi, easy) }
        transfer.complete(.failure(Self.cancelledError(transfer)))
      }
      if stopping {
        for transfer in active.values {
          if let easy = transfer.easy { curl_multi_remove_handle(multi, easy) }
          transfer.complete(.failure(Self.shutDownError))
        }
        return
      }

      var running: Int32 = 0
      curl_multi_perform(multi, &running)
      var queued: Int32 = 0
      while let message = curl_multi_info_read(multi, &queued) {
        guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else {
          continue
        }
        // Read everything from the message now: removing the handle invalidates it.
        let code = message.pointee.data.result
        var context: UnsafeMutableRawPointer?
        _ = ccurl_easy_getinfo_pointer(easy, CURLINFO_PRIVATE, &context)
        curl_multi_remove_handle(multi, easy)
        guard let context else { continue }
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
        active.removeValue(forKey: transfer.id)
        transfer.complete(transfer.outcome(for: code))
      }

      // Transfers idle past their limit fail; the others' limits bound the wait. curl shortens it
      // further to its own next timer (connect and total timeouts, retries) while transfers run.
      let now = ContinuousClock.now
      var wait = Duration.milliseconds(idleWaitMilliseconds)
      for (id, transfer) in active {
        guard let deadline = transfer.idleDeadline else { continue }
        if deadline <= now {
          active.removeValue(forKey: id)
          if let easy = transfer.easy { curl_multi_remove_handle(multi, easy) }
          transfer.complete(.failure(transfer.idleTimeoutError))
        } else {
          wait = min(wait, now.duration(to: deadline))
        }
      }
      let (seconds, attoseconds) = wait.components
      let milliseconds = max(1, seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
      // curl_multi_poll sleeps until the sooner of our wait and curl's own next timer.
      var curlTimer = -1
      curl_multi_timeout(multi, &curlTimer)
      let sleep = curlTimer >= 0 ? min(Int(milliseconds), curlTimer) : Int(milliseconds)
      announce(Park(pass: passes.load(ordering: .relaxed), wait: .milliseconds(sleep), transfers: active.count))
      curl_multi_poll(multi, nil, 0, Int32(clamping: milliseconds), nil)
    }
  }

  private func announce(_ park: Park) {
    let due = parks.withLock { log in
      log.latest = park
      var due: [ParkLog.Waiter] = []
      log.waiters.removeAll { waiter in
        guard waiter.predicate(park) else { return false }
        due.append(waiter)
        return true
      }
      return due
    }
    for waiter in due { waiter.continuation.resume(returning: park) }
  }

  /// Names the thread for debuggers and blocks SIGPIPE on it.
  ///
  /// CURLOPT_NOSIGNAL (needed with threads) also stops curl from ignoring SIGPIPE around its
  /// writes; a write to a peer that has gone must return EPIPE, not kill the process. Blocking the
  /// signal on this thread only does that without changing the process's signal disposition.
  private static func prepareThread() {
    ccurl_name_current_thread("magi-curl")
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGPIPE)
    pthread_sigmask(SIG_BLOCK, &signals, nil)
  }

  private static func cancelledError(_ transfer: CurlTransfer) -> TransportError {
    TransportError(
      .cancelled, "cancelled (host \(TransportError.hostDescription(of: transfer.request.url)))")
  }
}
