import FalClient
import Foundation
import Synchronization
import TestSupport
import Testing

@testable import CurlTransport

/// Long-lived streams (SSE), cancellation, and many transfers on the one curl thread.
@Suite struct CurlTransportStreamingTests {
  let transport = Shared.transport

  /// A server that sends one chunk, waits for `gate`, then sends the rest and ends the stream.
  static func gatedStreamServer(gate: Gate, gateHeld: Recorder<Bool>? = nil) throws
    -> ScriptedServer
  {
    try ScriptedServer { connection in
      _ = connection.readHead()
      connection.send(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
      )
      connection.sendChunk("data: one\n\n")
      let opened = gate.wait()
      gateHeld?.append(opened)
      connection.sendChunk("data: two\n\n")
      connection.sendChunk("data: three\n\n")
      connection.send("0\r\n\r\n")
    }
  }

  /// Stream chunks reach the handler as they arrive, not when the response ends: the server only
  /// finishes after the handler has seen the first chunk. Order and content are kept.
  @Test func streamDeliversChunksIncrementallyAndInOrder() async throws {
    let gate = Gate()
    let gateOpened = Recorder<Bool>()
    let server = try Self.gatedStreamServer(gate: gate, gateHeld: gateOpened)
    let chunks = Recorder<Data>()
    let response = try await transport.execute(
      HTTPRequest(method: .get, url: server.url + "/events"),
      sink: .stream { chunk in
        if chunks.items.isEmpty { gate.open() }
        chunks.append(chunk)
      })
    #expect(response.status == 200)
    #expect(response.headers["content-type"] == "text/event-stream")
    #expect(
      gateOpened.items == [true],
      "the server finished only because its gate timed out: chunks were buffered")
    let text = String(decoding: chunks.items.reduce(Data(), +), as: UTF8.self)
    #expect(text == "data: one\n\ndata: two\n\ndata: three\n\n")
    #expect(String(decoding: chunks.items.first ?? Data(), as: UTF8.self).hasPrefix("data: one"))
  }

  /// Cancelling the task of an in-flight stream fails it with `.cancelled` promptly, closes its
  /// connection, and leaves other transfers on the thread running.
  @Test func cancellingAStreamStopsItAndOthersContinue() async throws {
    let peerClosed = Gate()
    let endless = try ScriptedServer { connection in
      _ = connection.readHead()
      connection.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
      connection.sendChunk("data: first\n\n")
      if connection.waitForPeerClose(seconds: 20) { peerClosed.open() }
    }
    let otherGate = Gate()
    let other = try Self.gatedStreamServer(gate: otherGate)

    let (firstChunk, firstChunkSignal) = AsyncStream.makeStream(of: Void.self)
    let cancelled = Task {
      await perform(
        HTTPRequest(method: .get, url: endless.url), sink: .stream { _ in firstChunkSignal.yield() }
      )
    }
    let (otherFirst, otherFirstSignal) = AsyncStream.makeStream(of: Void.self)
    let survivor = Task {
      await perform(
        HTTPRequest(method: .get, url: other.url), sink: .stream { _ in otherFirstSignal.yield() })
    }
    for await _ in firstChunk { break }
    for await _ in otherFirst { break }

    let start = ContinuousClock.now
    cancelled.cancel()
    let outcome = await cancelled.value
    #expect(outcome.failure?.kind == .cancelled)
    #expect(ContinuousClock.now - start < .seconds(5), "cancellation should be prompt")
    #expect(await peerClosed.waitAsync(), "the cancelled transfer's connection should be closed")

    otherGate.open()
    let survived = await survivor.value
    #expect((try? survived.get())?.status == 200)
    let fresh = await perform(HTTPRequest(method: .get, url: try await FoxFixture.url("/hello")))
    #expect((try? fresh.get())?.body == Data("hello".utf8))
  }

  /// A task cancelled before its transfer starts fails with `.cancelled` and never connects.
  @Test func alreadyCancelledTaskNeverConnects() async throws {
    let server = try ScriptedServer { connection in
      _ = connection.readHead()
      connection.send("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    }
    let task = Task {
      withUnsafeCurrentTask { $0?.cancel() }
      return await perform(HTTPRequest(method: .get, url: server.url))
    }
    #expect(await task.value.failure?.kind == .cancelled)
    #expect(server.connectionsAccepted == 0)
  }

  /// Fifty requests at once all complete, each with its own body, and every callback runs on one
  /// and the same thread (the transport's), not on the caller's.
  @Test func fiftyConcurrentRequestsShareOneThread() async throws {
    let threads = Recorder<UInt>()
    let results = try await withThrowingTaskGroup(of: (Int, String).self) { group in
      for index in 0..<50 {
        let url = try await FoxFixture.url("/n/\(index)")
        group.addTask {
          let body = Mutex(Data())
          let response = try await Shared.transport.execute(
            HTTPRequest(method: .get, url: url),
            sink: .stream { chunk in
              threads.append(UInt(pthread_self()))
              body.withLock { $0.append(chunk) }
            })
          #expect(response.status == 200)
          return (index, String(decoding: body.withLock { $0 }, as: UTF8.self))
        }
      }
      return try await group.reduce(into: [Int: String]()) { $0[$1.0] = $1.1 }
    }
    #expect(results.count == 50)
    for index in 0..<50 { #expect(results[index] == "n=\(index)") }
    #expect(Set(threads.items).count == 1)
  }

  /// Callbacks run on the transport's own named thread, so a stack or `top -H` shows who is busy.
  @Test func callbacksRunOnTheNamedCurlThread() async throws {
    let names = Recorder<String>()
    _ = try await transport.execute(
      HTTPRequest(method: .get, url: try await FoxFixture.url("/hello")),
      sink: .stream { _ in
        let name = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
        names.append(name.trimmingCharacters(in: .whitespacesAndNewlines))
      })
    #expect(names.items == ["magi-curl"])
  }

  /// `shutdown` fails in-flight transfers with `.cancelled`, and later calls fail the same way
  /// instead of hanging.
  @Test func shutdownFailsInFlightAndLaterCalls() async throws {
    let own = try CurlTransport()
    let gate = Gate()
    let server = try Self.gatedStreamServer(gate: gate)
    defer { gate.open() }
    let (first, firstSignal) = AsyncStream.makeStream(of: Void.self)
    let inFlight = Task {
      await perform(
        HTTPRequest(method: .get, url: server.url), sink: .stream { _ in firstSignal.yield() },
        on: own)
    }
    for await _ in first { break }
    own.shutdown()
    #expect(await inFlight.value.failure?.kind == .cancelled)
    let later = await perform(
      HTTPRequest(method: .get, url: try await FoxFixture.url("/hello")), on: own)
    #expect(later.failure?.kind == .cancelled)
  }

  /// A stream waiting between events, with its idle limit armed, does not wake the thread either:
  /// the limit is a deadline the thread sleeps until, not curl's once-a-second speed check (50
  /// followed jobs woke it ~100 times a second). Proven by how the thread goes to sleep (the sooner
  /// of its own wait and curl's next timer), not by watching it through a window of time.
  @Test func silentStreamWithAnIdleLimitDoesNotWakeTheThread() async throws {
    let own = try CurlTransport()
    defer { own.shutdown() }
    let release = Gate()
    defer { release.open() }
    let server = try ScriptedServer { connection in
      _ = connection.readHead()
      connection.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
      connection.sendChunk("data: hello\n\n")
      _ = release.wait(seconds: 30)
    }
    let received = Recorder<Int>()
    let streaming = Task {
      await perform(
        HTTPRequest(
          method: .get, url: server.url, timeouts: HTTPTimeouts(connect: .seconds(1), idle: .seconds(60))),
        sink: .stream { chunk in received.append(chunk.count) }, on: own)
    }
    #expect(await received.count(reaching: 1))
    // curl 7.88 leaves its connect timer armed after connecting: it fires once, at the connect
    // limit (1 s here), and finds nothing to do; after that only the idle deadline remains.
    let park = await own.park(within: .seconds(30)) { $0.transfers == 1 && $0.wait > .seconds(50) }
    #expect(park != nil, "the thread never slept toward the 60 s idle deadline with the stream open")
    release.open()
    _ = await streaming.value
  }

  /// While nothing runs, the thread sleeps in curl_multi_poll for its whole idle wait: neither our
  /// loop nor curl (connection cache, DNS cache) has a timer that would wake it.
  @Test func idleThreadDoesNotWakeUp() async throws {
    let own = try CurlTransport()
    defer { own.shutdown() }
    let response = try await own.execute(
      HTTPRequest(method: .get, url: try await FoxFixture.url("/hello")))
    #expect(response.status == 200)
    let park = await own.park(within: .seconds(30)) { $0.transfers == 0 && $0.wait >= .seconds(300) }
    #expect(park != nil, "the idle thread never went to sleep for its full 300 s wait")
  }

  /// The park observation itself: a thread kept busy by a short idle wait is seen sleeping for no
  /// longer than that wait, so the checks above would fail if the loop ticked.
  @Test func aShortIdleWaitIsWhatTheThreadSleeps() async throws {
    let own = try CurlTransport(idleWaitMilliseconds: 1_000)
    defer { own.shutdown() }
    _ = try await own.execute(HTTPRequest(method: .get, url: try await FoxFixture.url("/hello")))
    let park = try #require(await own.park(within: .seconds(30)) { $0.transfers == 0 })
    #expect(park.wait <= .seconds(1))
  }
}
