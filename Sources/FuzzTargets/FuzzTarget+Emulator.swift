// Debug builds only: these targets reach internal parsers through @testable imports, which a
// release build (compiled without testing) does not allow.
#if DEBUG
  import FalProtocol
  import Foundation

  @testable import FalEmulator

  extension FuzzTarget {
    /// A request as the emulator reads it. The first line is `METHOD PATH[?QUERY] [HOST]`, the rest is
    /// the body: the route is classified from the method, path, host and query, then the body is read
    /// the way that route reads it (submit → the simulated app's parse and schema, a `data:` source
    /// decoded; upload initiate → file name sanitised and encoded; multipart complete → part list).
    public static let emulatorRequest = FuzzTarget(
      name: "emulator-request",
      summary: "Route.classify on method/path/host/query, then the route's body decoding (submit, initiate, complete)",
      dictionary: [
        "POST ", "GET ", "PUT ", "HEAD ", "/fal-ai/magi", "/fal-ai/magi-distilled/image-to-video", "/requests/",
        "/status", "/status/stream", "/cancel", "?logs=1", "&fal_webhook=", "/storage/upload/initiate",
        "/storage/upload/initiate-multipart", "/uploads/t/complete", "/uploads/t/1", "/files/upload/multipart",
        "/files/k/n/multipart/u/complete", " queue.fal.run", " rest.alpha.fal.ai", " v3.fal.media", "%2F", "%",
        "\"file_name\": ", "\"content_type\": ", "{\"parts\": [{\"partNumber\": 1, \"etag\": \"e\"}]}",
        "\"image_url\": \"data:image/png;base64,", "\"video_url\": \"data:,", "\"prompt\": \"p\"",
      ],
      run: { bytes in
        let newline = bytes.firstIndex(of: 0x0A) ?? bytes.endIndex
        let head = String(decoding: bytes[..<newline], as: UTF8.self).split(
          separator: " ", omittingEmptySubsequences: false)
        let body = Data(bytes[min(bytes.endIndex, newline + 1)...])
        let method = head.first.map(String.init) ?? ""
        let target = head.count > 1 ? String(head[1]) : "/"
        let host = head.count > 2 ? String(head[2]) : nil
        let (path, query) = Self.splitQuery(target)
        let route = Route.classify(method: method, path: path, host: host, query: { query[$0] })
        switch route {
        case .submit(let endpointID, _):
          guard let endpoint = MagiEndpoint(endpointID: endpointID) else { return }
          if case .success(let input) = SimulatedApp.parse(body, for: endpoint) {
            if let source = input.sourceURL, source.lowercased().hasPrefix("data:") {
              _ = SimulatedApp.decodeDataURI(source)
            }
            _ = VideoGeometry.resolve(resolution: input.resolution, aspectRatio: input.aspectRatio, sourceSize: nil)
          }
        case .initiate:
          let parsed = JSONCoding.decode(JSONValue.self, from: body)
          let name = StorageService.sanitize(parsed?["file_name"]?.stringValue)
          _ = StorageService.percentEncode(name)
          _ = StorageService.contentType(forFileName: name)
        case .uploadComplete, .cdnComplete:
          _ = JSONCoding.decode(MultipartComplete.self, from: body)
        default:
          break
        }
      })

    /// `path?a=b&c` split the way FlyingFox splits a request target: percent-decoded query items.
    static func splitQuery(_ target: String) -> (path: String, query: [String: String]) {
      guard let mark = target.firstIndex(of: "?") else { return (target, [:]) }
      var query: [String: String] = [:]
      for item in target[target.index(after: mark)...].split(separator: "&") {
        let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(pair[0]).removingPercentEncoding ?? String(pair[0])
        let value = pair.count > 1 ? (String(pair[1]).removingPercentEncoding ?? String(pair[1])) : ""
        query[name] = value
      }
      return (String(target[..<mark]), query)
    }
  }
#endif
