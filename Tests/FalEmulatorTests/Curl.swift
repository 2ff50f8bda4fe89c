import FalProtocol
import Foundation

/// One HTTP exchange made by `/usr/bin/curl` (spawned with an argv) over a real socket with a
/// client that is not ours, or handed to the emulator's router in process (``InProcessRoutes``).
struct CurlResponse: Sendable {
  /// curl's exit code: 0 on success, 52 for "empty reply" (a dropped connection), 18/56 for a cut body.
  var exitCode: Int32
  var status: Int
  /// Lower-cased header names; the last response block when curl saw several.
  var headers: [String: String]
  var body: Data

  var text: String { String(decoding: body, as: UTF8.self) }
  var json: JSONValue? { try? JSONValue.decode(body) }
  func header(_ name: String) -> String? { headers[name.lowercased()] }
}

enum Curl {
  static let key = "test-key-id:test-key-secret"

  /// Runs one request. `auth` adds `Authorization: Key <key>`. In process when `url` is an emulator
  /// `withEmulator` routes so and no `extra` curl argument is given (see ``InProcessRoutes``).
  static func request(
    _ method: String = "GET", _ url: String, auth: Bool = true, headers: [String: String] = [:],
    body: Data? = nil, json: JSONValue? = nil, extra: [String] = [], timeout: Int = 30
  ) async throws -> CurlResponse {
    if extra.isEmpty, let (emulator, target) = InProcessRoutes.route(url) {
      var allHeaders = headers
      if auth { allHeaders["Authorization"] = "Key \(key)" }
      if json != nil { allHeaders["Content-Type"] = allHeaders["Content-Type"] ?? "application/json" }
      return try await InProcessRoutes.request(
        emulator, method: method, target: target, headers: allHeaders, body: json?.encoded() ?? body)
    }
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("curl-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let headerFile = scratch.appendingPathComponent("headers")
    let bodyFile = scratch.appendingPathComponent("body")
    var arguments = [
      "-s", "-X", method, "-D", headerFile.path, "-o", bodyFile.path, "-w", "%{http_code}", "--max-time",
      String(timeout), "-H", "Expect:",
    ]
    if auth { arguments += ["-H", "Authorization: Key \(key)"] }
    var allHeaders = headers
    var payload = body
    if let json {
      payload = json.encoded()
      allHeaders["Content-Type"] = allHeaders["Content-Type"] ?? "application/json"
    }
    for (name, value) in allHeaders { arguments += ["-H", "\(name): \(value)"] }
    if let payload {
      let payloadFile = scratch.appendingPathComponent("payload")
      try payload.write(to: payloadFile)
      arguments += ["--data-binary", "@\(payloadFile.path)"]
    }
    arguments += extra
    arguments.append(url)
    let (code, output) = try await run("/usr/bin/curl", arguments)
    let rawHeaders = (try? String(contentsOf: headerFile, encoding: .utf8)) ?? ""
    let blocks = rawHeaders.components(separatedBy: "\r\n\r\n").filter { !$0.isEmpty }
    var parsed: [String: String] = [:]
    if let last = blocks.last {
      for line in last.components(separatedBy: "\r\n").dropFirst() {
        guard let colon = line.firstIndex(of: ":") else { continue }
        parsed[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      }
    }
    let data = (try? Data(contentsOf: bodyFile)) ?? Data()
    return CurlResponse(
      exitCode: code, status: Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0, headers: parsed,
      body: data)
  }

  /// Runs a program and returns its exit code and standard output.
  static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) async throws -> (
    Int32, String
  ) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: outputFile) }
    let handle = try FileHandle(forWritingTo: outputFile)
    process.standardOutput = handle
    process.standardError = handle
    process.standardInput = FileHandle.nullDevice
    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
      process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
      do { try process.run() } catch {
        process.terminationHandler = nil
        continuation.resume(throwing: error)
      }
    }
    try? handle.close()
    return (status, (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "")
  }
}
