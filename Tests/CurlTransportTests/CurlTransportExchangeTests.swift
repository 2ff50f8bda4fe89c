import FalClient
import Foundation
import Synchronization
import TestSupport
import Testing

@testable import CurlTransport

/// Well-formed exchanges against FlyingFox: methods, headers both ways, and where bodies go.
@Suite struct CurlTransportExchangeTests {
  let transport = Shared.transport

  /// Request headers must reach the server, response headers must come back with case-insensitive
  /// lookup, and curl's own 100-continue `Expect` must not be sent.
  @Test func getSendsRequestHeadersAndParsesResponseHeaders() async throws {
    let url = try await FoxFixture.url("/hello")
    let request = HTTPRequest(method: .get, url: url, headers: ["X-Custom": "value 1"])
    let response = try await transport.execute(request)
    #expect(response.status == 200)
    #expect(response.body == Data("hello".utf8))
    #expect(response.headers["x-reply"] == "from-server")
    #expect(response.headers["X-Echo-Custom"] == "value 1")
    #expect(response.headers["X-Method"] == "GET")
    #expect(response.headers["X-Echo-Expect"] == "none")
  }

  /// A POST body from memory arrives byte-exact, without curl's default form Content-Type, and
  /// without `Expect: 100-continue` (curl adds it above 1 MiB, then stalls a second waiting).
  @Test func postSendsDataBody() async throws {
    let url = try await FoxFixture.url("/echo")
    let body = patternBytes(1_500_000)
    let response = try await transport.execute(
      HTTPRequest(method: .post, url: url, body: .data(body)))
    #expect(response.status == 200)
    #expect(response.headers["X-Method"] == "POST")
    #expect(response.body.elementsEqual(body), "bytes differ")
    #expect(response.headers["X-Echo-Content-Type"] == "none")
    #expect(response.headers["X-Echo-Expect"] == "none")
  }

  /// A caller's Content-Type is sent as given.
  @Test func postKeepsCallersContentType() async throws {
    let url = try await FoxFixture.url("/echo")
    let request = HTTPRequest(
      method: .post, url: url, headers: ["Content-Type": "application/json"],
      body: .data(Data("{}".utf8)))
    let response = try await transport.execute(request)
    #expect(response.headers["X-Echo-Content-Type"] == "application/json")
    #expect(response.body == Data("{}".utf8))
  }

  /// PUT is sent as PUT with its body, not as curl's default POST.
  @Test func putSendsDataBody() async throws {
    let url = try await FoxFixture.url("/echo")
    let response = try await transport.execute(
      HTTPRequest(
        method: .put, url: url, headers: ["X-Custom": "put"], body: .data(Data("payload".utf8))))
    #expect(response.headers["X-Method"] == "PUT")
    #expect(response.headers["X-Echo-Custom"] == "put")
    #expect(response.body == Data("payload".utf8))
  }

  /// Redirects are not followed: the caller sees the 3xx and decides (its body comes back in memory).
  @Test func redirectsAreReturnedNotFollowed() async throws {
    let url = try await FoxFixture.url("/redirect")
    let response = try await transport.execute(
      HTTPRequest(method: .get, url: url), sink: .stream { _ in })
    #expect(response.status == 302)
    #expect(response.headers["Location"] == "/hello")
    #expect(response.body == Data("moved".utf8))
  }

  /// Only the final response's headers are reported: an interim 100 Continue's fields are dropped.
  @Test func interimResponseHeadersAreDiscarded() async throws {
    let server = try ScriptedServer { connection in
      _ = connection.readHead()
      connection.send("HTTP/1.1 100 Continue\r\nX-Interim: yes\r\n\r\n")
      connection.send(
        "HTTP/1.1 201 Created\r\nX-Final: yes\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
    }
    let response = try await transport.execute(
      HTTPRequest(method: .post, url: server.url, body: .data(Data("x".utf8))))
    #expect(response.status == 201)
    #expect(response.headers["X-Final"] == "yes")
    #expect(response.headers["X-Interim"] == nil)
    #expect(response.body == Data("ok".utf8))
  }

  /// HEAD returns status and headers and does not wait for a body.
  @Test func headReturnsHeadersOnly() async throws {
    let url = try await FoxFixture.url("/head")
    let response = try await transport.execute(
      HTTPRequest(method: .head, url: url, headers: ["X-Custom": "h"]))
    #expect(response.status == 200)
    #expect(response.headers["X-Method"] == "HEAD")
    #expect(response.headers["X-Echo-Custom"] == "h")
    #expect(response.body.isEmpty)
  }

  /// DELETE uses the DELETE verb.
  @Test func deleteUsesDeleteVerb() async throws {
    let url = try await FoxFixture.url("/thing")
    let response = try await transport.execute(HTTPRequest(method: .delete, url: url))
    #expect(response.status == 204)
    #expect(response.headers["X-Method"] == "DELETE")
  }

  /// Error bodies are always readable: returned in memory whatever the sink, and never written to
  /// the sink's file or handler.
  @Test(arguments: [404, 422, 500, 503])
  func errorBodiesComeBackInMemoryForEverySink(status: Int) async throws {
    let url = try await FoxFixture.url("/status/\(status)")
    let expected = Data(#"{"detail":"error body for \#(status)"}"#.utf8)
    let directory = try makeTemporaryDirectory()
    let path = directory.appendingPathComponent("out.bin").path

    let toFile = try await transport.execute(
      HTTPRequest(method: .get, url: url), sink: .file(path: path, append: false))
    #expect(toFile.status == status)
    #expect(toFile.body.elementsEqual(expected), "bytes differ")
    #expect(!FileManager.default.fileExists(atPath: path))

    let chunks = Recorder<Data>()
    let toStream = try await transport.execute(
      HTTPRequest(method: .get, url: url), sink: .stream { chunks.append($0) })
    #expect(toStream.status == status)
    #expect(toStream.body.elementsEqual(expected), "bytes differ")
    #expect(chunks.items.isEmpty)

    // The caller's memory limit is for success bodies; an error body is capped at 1 MiB instead.
    let tinyLimit = try await transport.execute(
      HTTPRequest(method: .get, url: url), sink: .memory(limit: 4))
    #expect(tinyLimit.body.elementsEqual(expected), "bytes differ")
  }

  /// A huge error body is cut at 1 MiB and still returned as a response, not as a failure.
  @Test func hugeErrorBodyIsTruncatedToOneMebibyte() async throws {
    let url = try await FoxFixture.url("/huge-error")
    let response = try await transport.execute(HTTPRequest(method: .get, url: url))
    #expect(response.status == 500)
    #expect(response.body.count == 1 << 20)
  }

  /// A success body over the memory limit aborts with `.bodyTooLarge`.
  @Test func memoryLimitAbortsOversizedBody() async throws {
    let url = try await FoxFixture.url("/big")
    let result = await perform(HTTPRequest(method: .get, url: url), sink: .memory(limit: 999))
    #expect(result.failure?.kind == .bodyTooLarge)
    let exact = await perform(HTTPRequest(method: .get, url: url), sink: .memory(limit: 1000))
    #expect((try? exact.get())?.body.count == 1000)
  }

  /// A 200 replaces the file's content (even with append, since the server ignored the Range); a 206
  /// with append adds to it; an empty 200 still truncates.
  @Test func fileSinkTruncatesOn200AndAppendsOn206() async throws {
    let directory = try makeTemporaryDirectory()
    let path = directory.appendingPathComponent("video.mp4").path
    try Data("OLD-CONTENT-LONGER".utf8).write(to: URL(fileURLWithPath: path))

    let full = try await transport.execute(
      HTTPRequest(method: .get, url: try await FoxFixture.url("/full")),
      sink: .file(path: path, append: true))
    #expect(full.status == 200)
    #expect(full.body.isEmpty)
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data("FULL".utf8))

    let partial = try await transport.execute(
      HTTPRequest(method: .get, url: try await FoxFixture.url("/partial")),
      sink: .file(path: path, append: true))
    #expect(partial.status == 206)
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data("FULL-TAIL".utf8))

    _ = try await transport.execute(
      HTTPRequest(method: .get, url: try await FoxFixture.url("/empty")),
      sink: .file(path: path, append: false))
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)).isEmpty)
  }

  /// A 206 goes where its `Content-Range` starts: what an earlier attempt of the same `Range`
  /// request left past that point (it broke off mid-body) is cut, not followed; a range that
  /// starts past the file's end is refused rather than leaving a hole. The observer is told each
  /// piece with the offset it went to.
  @Test func a206IsWrittenAtItsContentRangeStartAndObserved() async throws {
    let directory = try makeTemporaryDirectory()
    let path = directory.appendingPathComponent("video.mp4.part").path
    let url = try await FoxFixture.url("/partial")
    let seen = Mutex<[(Int64, String)]>([])
    let observer: FileSinkObserver = { offset, bytes in
      seen.withLock { $0.append((offset, String(decoding: bytes, as: UTF8.self))) }
    }
    try Data("FULL-TA".utf8).write(to: URL(fileURLWithPath: path))
    let retried = try await transport.execute(
      HTTPRequest(method: .get, url: url), sink: .file(path: path, append: true, observer: observer))
    #expect(retried.status == 206)
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data("FULL-TAIL".utf8))
    #expect(seen.withLock { $0.map(\.0) } == [4])
    #expect(seen.withLock { $0.map(\.1).joined() } == "-TAIL")

    let full = try await transport.execute(
      HTTPRequest(method: .get, url: try await FoxFixture.url("/full")),
      sink: .file(path: path, append: true, observer: observer))
    #expect(full.status == 200)
    #expect(seen.withLock { $0.last?.0 } == 0, "a 200 is written from the start")

    try Data("FU".utf8).write(to: URL(fileURLWithPath: path))
    let gap = await perform(HTTPRequest(method: .get, url: url), sink: .file(path: path, append: true))
    #expect(gap.failure?.kind == .file, "bytes from 4 cannot follow a file of 2")
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data("FU".utf8))
  }

  /// The file limit bounds the file, not this transfer: a resumed download (206, appended) may not
  /// grow the partial file past it either.
  @Test func fileLimitCountsTheBytesAlreadyInAnAppendedFile() async throws {
    let directory = try makeTemporaryDirectory()
    let path = directory.appendingPathComponent("video.mp4.part").path
    try Data("FULL".utf8).write(to: URL(fileURLWithPath: path))
    var request = HTTPRequest(method: .get, url: try await FoxFixture.url("/partial"))
    request.fileLimit = 8
    let result = await perform(request, sink: .file(path: path, append: true))
    #expect(result.failure?.kind == .bodyTooLarge, "4 bytes on disk and 5 more make 9, past the limit of 8")
    var exact = request
    exact.fileLimit = 9
    try Data("FULL".utf8).write(to: URL(fileURLWithPath: path))
    #expect((try? await perform(exact, sink: .file(path: path, append: true)).get())?.status == 206)
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data("FULL-TAIL".utf8))
  }

  /// A full disk surfaces as `.file` with the system's reason, not as a network error.
  @Test func fileSinkWriteErrorIsReportedWithStrerror() async throws {
    let url = try await FoxFixture.url("/big")
    let result = await perform(
      HTTPRequest(method: .get, url: url), sink: .file(path: "/dev/full", append: false))
    #expect(result.failure?.kind == .file)
    #expect(result.failure?.message.contains("No space left on device") == true)
  }

  /// A sink file that cannot be created is `.file` too.
  @Test func fileSinkInMissingDirectoryFails() async throws {
    let url = try await FoxFixture.url("/full")
    let result = await perform(
      HTTPRequest(method: .get, url: url),
      sink: .file(path: "/nonexistent-dir/x.bin", append: false))
    #expect(result.failure?.kind == .file)
    #expect(result.failure?.message.contains("/nonexistent-dir/x.bin") == true)
  }
}
