import FalClient
import FalProtocol
import Foundation
import Synchronization
import TestSupport
import Testing

@testable import CurlTransport

/// Request bodies streamed from disk: exactness, flat memory, progress, and early file errors.
@Suite struct CurlTransportUploadTests {
  let transport = Shared.transport

  /// A server that reads the declared body and answers with it (and the method it saw).
  static func echoServer() throws -> ScriptedServer {
    try ScriptedServer { connection in
      guard let head = connection.readHead() else { return }
      let body = connection.readBody(ScriptedConnection.contentLength(in: head))
      let method = head.prefix { $0 != " " }
      connection.send(
        "HTTP/1.1 200 OK\r\nX-Method: \(method)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
      )
      connection.send(body)
    }
  }

  /// A server that counts the body through a small buffer and answers with the count.
  static func countingServer() throws -> ScriptedServer {
    try ScriptedServer { connection in
      guard let head = connection.readHead() else { return }
      let count = connection.discardBody(ScriptedConnection.contentLength(in: head))
      let text = String(count)
      connection.send(
        "HTTP/1.1 200 OK\r\nContent-Length: \(text.utf8.count)\r\nConnection: close\r\n\r\n\(text)")
    }
  }

  /// File bodies arrive byte-exact for PUT and POST, including an offset/length slice.
  @Test func fileBodyArrivesByteExact() async throws {
    let directory = try makeTemporaryDirectory()
    let file = directory.appendingPathComponent("input.bin")
    let content = patternBytes(3_000_000)
    try content.write(to: file)
    let server = try Self.echoServer()

    let put = try await transport.execute(
      HTTPRequest(method: .put, url: server.url + "/up", body: .file(path: file.path)))
    #expect(put.headers["X-Method"] == "PUT")
    #expect(put.body.elementsEqual(content), "bytes differ")

    let slice = try await transport.execute(
      HTTPRequest(
        method: .post, url: server.url + "/up",
        body: .file(path: file.path, offset: 1234, length: 1_000_000)))
    #expect(slice.headers["X-Method"] == "POST")
    #expect(slice.body.elementsEqual(content.subdata(in: 1234..<1_001_234)), "bytes differ")
  }

  /// A 200 MB upload is read from disk in small pieces: resident memory grows by far less than the
  /// file (sampled throughout the transfer from the progress callback).
  @Test func largeFileUploadKeepsMemoryFlat() async throws {
    let directory = try makeTemporaryDirectory()
    let path = directory.appendingPathComponent("large.bin").path
    let size = 200 << 20
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    #expect(fd >= 0)
    #expect(ftruncate(fd, off_t(size)) == 0)
    close(fd)
    defer { try? FileManager.default.removeItem(atPath: directory.path) }

    let server = try Self.countingServer()
    let baseline = residentBytes()
    let peak = Mutex(baseline)
    let response = try await transport.execute(
      HTTPRequest(
        method: .put, url: server.url + "/large", body: .file(path: path),
        progress: { _ in
          let now = residentBytes()
          peak.withLock { $0 = max($0, now) }
        }))
    #expect(response.body == Data(String(size).utf8))
    let growth = peak.withLock { $0 } - baseline
    #expect(growth < 64 << 20, "RSS grew by \(growth) bytes during a \(size)-byte upload")
  }

  /// Progress reports the upload's byte counts, ending with all bytes sent of the right total.
  @Test func progressReportsUploadedTotals() async throws {
    let server = try Self.countingServer()
    let body = patternBytes(2_000_000)
    let reports = Recorder<TransferProgress>()
    let response = try await transport.execute(
      HTTPRequest(
        method: .post, url: server.url, body: .data(body), progress: { reports.append($0) }))
    #expect(response.body == Data("2000000".utf8))
    let last = try #require(reports.items.last)
    #expect(last.uploaded == 2_000_000)
    #expect(last.uploadTotal == 2_000_000)
    let uploaded = reports.items.map(\.uploaded)
    #expect(uploaded == uploaded.sorted(), "upload progress never goes backwards")
  }

  /// Rewinding (curl's seek callback, used when it must resend a body) replays the same bytes of
  /// the requested slice, and reads stop exactly at the slice's end.
  @Test func uploadSourceRewindsToTheSameBytes() throws {
    let directory = try makeTemporaryDirectory()
    let file = directory.appendingPathComponent("seek.bin")
    let content = patternBytes(10_000)
    try content.write(to: file)
    let source = try #require(
      try CurlUploadSource.make(.file(path: file.path, offset: 100, length: 5000)))
    var buffer = [UInt8](repeating: 0, count: 4096)
    func readAll() -> Data {
      var collected = Data()
      while case .success(let count) = buffer.withUnsafeMutableBytes({ source.read(into: $0) }),
        count > 0
      {
        collected.append(contentsOf: buffer[..<count])
      }
      return collected
    }
    #expect(readAll().elementsEqual(content.subdata(in: 100..<5100)), "bytes differ")
    #expect(source.seek(to: 0))
    #expect(readAll().elementsEqual(content.subdata(in: 100..<5100)), "bytes differ")
    #expect(source.seek(to: 4000))
    #expect(readAll().elementsEqual(content.subdata(in: 4100..<5100)), "bytes differ")
    #expect(!source.seek(to: 5001))
  }

  /// A missing or unreadable body file fails with `.file` before anything is sent.
  @Test func missingUploadFileFailsBeforeConnecting() async throws {
    let server = try Self.countingServer()
    let missing = await perform(
      HTTPRequest(method: .put, url: server.url, body: .file(path: "/nonexistent/video.mp4")))
    #expect(missing.failure?.kind == .file)
    #expect(
      missing.failure?.message == "cannot read /nonexistent/video.mp4: No such file or directory")

    let directory = try makeTemporaryDirectory()
    let notAFile = await perform(
      HTTPRequest(method: .put, url: server.url, body: .file(path: directory.path)))
    #expect(notAFile.failure?.kind == .file)

    let file = directory.appendingPathComponent("short.bin")
    try Data("abc".utf8).write(to: file)
    let pastEnd = await perform(
      HTTPRequest(method: .put, url: server.url, body: .file(path: file.path, offset: 2, length: 5))
    )
    #expect(pastEnd.failure?.kind == .file)

    // A real request afterwards is the first connection the server sees.
    let ok = await perform(HTTPRequest(method: .put, url: server.url, body: .data(Data("x".utf8))))
    #expect((try? ok.get())?.body == Data("1".utf8))
    #expect(server.connectionsAccepted == 1)
  }
}
