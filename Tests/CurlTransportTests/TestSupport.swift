import FalClient
import Foundation
import Synchronization

@testable import CurlTransport

/// The process's one transport, as in production; tests share it, so they also exercise
/// many transfers on one thread at once.
enum Shared {
  static let transport: CurlTransport = {
    do { return try CurlTransport() } catch { fatalError("cannot start CurlTransport: \(error)") }
  }()
}

/// The outcome of one exchange, with the typed error kept for `#expect`.
func perform(
  _ request: HTTPRequest, sink: HTTPResponseSink = .memory(limit: 1 << 20),
  on transport: CurlTransport = Shared.transport
) async -> Result<HTTPResponse, TransportError> {
  do {
    return .success(try await transport.execute(request, sink: sink))
  } catch {
    return .failure(error)
  }
}

extension Result {
  var failure: Failure? {
    if case .failure(let error) = self { return error }
    return nil
  }
}

/// A fresh directory under the system temp dir, for files a test writes.
func makeTemporaryDirectory() throws -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent(
    "curl-transport-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

/// Resident set size of this process, from /proc/self/status.
func residentBytes() -> Int {
  guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else {
    return 0
  }
  for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
    let digits = line.filter(\.isNumber)
    return (Int(digits) ?? 0) * 1024
  }
  return 0
}

/// Deterministic pseudo-random bytes, so a corrupted upload cannot pass by accident.
func patternBytes(_ count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> Data {
  var state = seed
  var bytes = [UInt8](repeating: 0, count: count)
  for index in 0..<count {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    bytes[index] = UInt8(truncatingIfNeeded: state >> 33)
  }
  return Data(bytes)
}
