import FalProtocol
import Foundation

extension FuzzTarget {
  /// The status stream as the client reads it: bytes cut into chunks anywhere, events parsed, each
  /// event's data decoded as a ``QueueStatus``; the whole input is also decoded as a status body.
  public static let sseStatus = FuzzTarget(
    name: "sse-status",
    summary: "ServerSentEventParser fed in chunks cut anywhere, each event's data decoded as QueueStatus",
    dictionary: [
      "data: ", "event: ", "id: ", "retry: ", ": keep-alive\n", "\n\n", "\r\n", "\r", "{\"status\": \"IN_QUEUE\"",
      "\"request_id\": \"r\"", "\"queue_position\": ", "\"logs\": [", "{\"message\": \"m\", \"timestamp\": \"t\"}",
      "\"metrics\": {\"inference_time\": ", "\"status\": \"COMPLETED\"", "\"status\": \"IN_PROGRESS\"", "\"error\": ",
    ],
    generatedSeeds: {
      [
        // Issue 10 item 5: one endless line (the parser must not hold it whole past its bound).
        ("endless-line", Array("data: ".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 4 << 20)),
        // And an endless run of new log lines, each a complete event.
        (
          "endless-log-lines",
          Array(
            (0..<20_000).map { index in
              "data: {\"status\": \"IN_PROGRESS\", \"request_id\": \"r\", \"logs\": [{\"message\": \"line \(index)\", \"timestamp\": \"\(index)\"}]}\n\n"
            }.joined().utf8)
        ),
        (
          "deep-json", Array("data: ".utf8) + [UInt8](repeating: UInt8(ascii: "["), count: 100_000) + Array("\n\n".utf8)
        ),
      ]
    },
    run: { bytes in
      let decoder = JSONDecoder()
      var parser = ServerSentEventParser()
      let step = 1 + Int(bytes.first ?? 0) % 61
      var start = 0
      while start < bytes.count {
        let end = min(bytes.count, start + step)
        for event in parser.feed(bytes[start..<end]) {
          _ = try? decoder.decode(QueueStatus.self, from: Data(event.data.utf8))
        }
        start = end
      }
      _ = try? decoder.decode(QueueStatus.self, from: Data(bytes))
    })

  /// A request body as the client validates it before submitting and the emulator's app after
  /// queueing: JSON → ``JSONValue`` → ``MagiSchema/validate(_:for:)`` on every endpoint, and the
  /// 422 body encoded back.
  public static let magiSchema = FuzzTarget(
    name: "magi-schema",
    summary: "JSONValue decoding and MagiSchema.validate on all six endpoints; billing units; 422 body encoding",
    dictionary: [
      "\"prompt\": ", "\"num_frames\": ", "\"seed\": ", "\"resolution\": \"480p\"", "\"num_inference_steps\": ",
      "\"aspect_ratio\": \"auto\"", "\"enable_safety_checker\": ", "\"start_frame\": ", "\"image_url\": ",
      "\"video_url\": ", "\"data:,x\"", "\"https://x\"", "1e15", "96.0", "\"16\"", "true", "null",
    ],
    generatedSeeds: {
      [
        ("deep-arrays", [UInt8](repeating: UInt8(ascii: "["), count: 100_000)),
        ("deep-objects", Array(String(repeating: "{\"prompt\":", count: 30_000).utf8)),
      ]
    },
    run: { bytes in
      guard let json = try? JSONValue.decode(Data(bytes)) else { return }
      for endpoint in MagiEndpoint.all {
        switch MagiSchema.validate(json, for: endpoint) {
        case .success(let input):
          _ = MagiSchema.billingUnits(of: input)
        case .failure(let failure):
          _ = try? JSONEncoder().encode(failure.errors)
        }
      }
    })
}
