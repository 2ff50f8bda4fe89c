/// One server-sent event.
public struct ServerSentEvent: Sendable, Hashable {
  public var event: String
  public var data: String
  public var id: String?
  public var retry: Int?

  public init(event: String = "message", data: String, id: String? = nil, retry: Int? = nil) {
    self.event = event
    self.data = data
    self.id = id
    self.retry = retry
  }
}

/// An incremental parser for `text/event-stream`, fed with chunks cut anywhere.
///
/// Network chunks split lines, CRLF pairs and multi-byte characters at arbitrary places; the parser
/// keeps the unfinished tail and emits events only when a blank line completes them, as the HTML
/// standard's event-stream algorithm says. Comment lines (keep-alives) are counted, not emitted.
///
/// Memory is bounded: a line, or the data of one event, longer than ``maxEventBytes`` marks the
/// parser ``overflowed``; it then drops everything it is fed, so a server sending one endless line
/// costs at most that much, and the caller treats the stream as broken.
public struct ServerSentEventParser: Sendable {
  /// fal's status events are a few kilobytes; a megabyte is far beyond any real one.
  public static let defaultMaxEventBytes = 1 << 20

  /// The most bytes one line, or one event's data, may hold.
  public let maxEventBytes: Int
  /// True once a line or an event went past ``maxEventBytes``: nothing more is parsed.
  public private(set) var overflowed = false
  private var buffer: [UInt8] = []
  private var dataLines: [String] = []
  private var dataBytes = 0
  private var eventName = ""
  private var lastEventID: String?
  private var retry: Int?
  private var pendingCR = false
  private var sawBOMCheck = false
  /// Comment lines (`: keep-alive`) seen so far.
  public private(set) var commentCount = 0

  public init(maxEventBytes: Int = ServerSentEventParser.defaultMaxEventBytes) {
    self.maxEventBytes = max(1, maxEventBytes)
  }

  /// Bytes held for the unfinished line and event: never much more than ``maxEventBytes``.
  public var bufferedBytes: Int { buffer.count + dataBytes }

  /// Feeds the next chunk and returns the events it completed, in order.
  public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) -> [ServerSentEvent] where Bytes.Element == UInt8 {
    var events: [ServerSentEvent] = []
    guard !overflowed else { return events }
    for byte in bytes {
      if pendingCR {
        pendingCR = false
        if byte == UInt8(ascii: "\n") { continue }
      }
      switch byte {
      case UInt8(ascii: "\r"):
        pendingCR = true
        processLine(into: &events)
      case UInt8(ascii: "\n"):
        processLine(into: &events)
      default:
        buffer.append(byte)
        if buffer.count > maxEventBytes {
          overflow()
          return events
        }
      }
      if overflowed { return events }
    }
    return events
  }

  private mutating func processLine(into events: inout [ServerSentEvent]) {
    var line = buffer
    buffer.removeAll(keepingCapacity: true)
    if !sawBOMCheck {
      sawBOMCheck = true
      if line.starts(with: [0xEF, 0xBB, 0xBF]) { line.removeFirst(3) }
    }
    if line.isEmpty {
      dispatch(into: &events)
      return
    }
    if line[0] == UInt8(ascii: ":") {
      commentCount += 1
      return
    }
    let field: String
    var value: String
    if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
      field = String(decoding: line[..<colon], as: UTF8.self)
      var valueStart = colon + 1
      if valueStart < line.count, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
      value = String(decoding: line[valueStart...], as: UTF8.self)
    } else {
      field = String(decoding: line, as: UTF8.self)
      value = ""
    }
    switch field {
    case "data":
      dataBytes += value.utf8.count + 1
      if dataBytes > maxEventBytes {
        overflow()
        return
      }
      dataLines.append(value)
    case "event": eventName = value
    case "id": if !value.contains("\0") { lastEventID = value }
    case "retry": if let milliseconds = Int(value), value.allSatisfy(\.isASCII) { retry = milliseconds }
    default: value = ""
    }
  }

  private mutating func overflow() {
    overflowed = true
    buffer = []
    dataLines = []
    dataBytes = 0
  }

  private mutating func dispatch(into events: inout [ServerSentEvent]) {
    defer {
      dataLines.removeAll()
      dataBytes = 0
      eventName = ""
      retry = nil
    }
    guard !dataLines.isEmpty else { return }
    events.append(
      ServerSentEvent(
        event: eventName.isEmpty ? "message" : eventName, data: dataLines.joined(separator: "\n"),
        id: lastEventID, retry: retry))
  }
}
