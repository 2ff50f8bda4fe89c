import FalProtocol
import Testing

@Suite struct ServerSentEventParserTests {
  static let stream =
    ": keep-alive\r\ndata: {\"a\":1}\r\n\r\nevent: custom\ndata: line1\ndata: line2\nid: 7\n\ndata: é漢\r\rdata:no-space\n\n"

  static let expected = [
    ServerSentEvent(data: "{\"a\":1}"),
    ServerSentEvent(event: "custom", data: "line1\nline2", id: "7"),
    ServerSentEvent(data: "é漢", id: "7"),
    ServerSentEvent(data: "no-space", id: "7"),
  ]

  @Test func wholeStreamInOneChunkGivesEveryEvent() {
    var parser = ServerSentEventParser()
    #expect(parser.feed(Array(Self.stream.utf8)) == Self.expected)
    #expect(parser.commentCount == 1)
  }

  @Test func everySplitPointGivesTheSameEvents() {
    let bytes = Array(Self.stream.utf8)
    for cut in 0...bytes.count {
      var parser = ServerSentEventParser()
      let events = parser.feed(bytes[..<cut]) + parser.feed(bytes[cut...])
      #expect(events == Self.expected, "split at byte \(cut)")
    }
  }

  @Test func byteByByteFeedingGivesTheSameEvents() {
    var parser = ServerSentEventParser()
    var events: [ServerSentEvent] = []
    for byte in Self.stream.utf8 { events += parser.feed([byte]) }
    #expect(events == Self.expected)
  }

  @Test func anEventWithoutItsBlankLineIsNotEmittedYet() {
    var parser = ServerSentEventParser()
    #expect(parser.feed(Array("data: partial\n".utf8)).isEmpty)
    #expect(parser.feed(Array("\n".utf8)) == [ServerSentEvent(data: "partial")])
  }

  @Test func joinedEventsInOneChunkAreAllEmittedInOrder() {
    var parser = ServerSentEventParser()
    let chunk = (1...5).map { "data: \($0)\n\n" }.joined()
    #expect(parser.feed(Array(chunk.utf8)).map(\.data) == ["1", "2", "3", "4", "5"])
  }
}

@Suite struct ServerSentEventBoundsTests {
  @Test func anEndlessLineStopsAtTheBoundAndHoldsNoMore() {
    var parser = ServerSentEventParser(maxEventBytes: 1 << 20)
    let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 64 << 10)
    var events: [ServerSentEvent] = []
    events += parser.feed(Array("data: ".utf8))
    for _ in 0..<48 {  // 3 MiB of one line
      events += parser.feed(chunk)
      #expect(parser.bufferedBytes <= 1 << 20)
    }
    #expect(parser.overflowed)
    #expect(parser.bufferedBytes == 0)
    #expect(events.isEmpty)
    // Once broken, the stream stays broken: nothing after it is trusted.
    #expect(parser.feed(Array("\n\ndata: {}\n\n".utf8)).isEmpty)
  }

  @Test func manyShortDataLinesOfOneEventAreBoundedToo() {
    var parser = ServerSentEventParser(maxEventBytes: 1000)
    for _ in 0..<200 { _ = parser.feed(Array("data: 0123456789\n".utf8)) }
    #expect(parser.overflowed)
    #expect(parser.bufferedBytes == 0)
  }

  @Test func eventsUpToTheBoundStillPass() {
    var parser = ServerSentEventParser(maxEventBytes: 100)
    let data = String(repeating: "y", count: 90)
    #expect(parser.feed(Array("data: \(data)\n\n".utf8)) == [ServerSentEvent(data: data)])
    #expect(!parser.overflowed)
  }
}
