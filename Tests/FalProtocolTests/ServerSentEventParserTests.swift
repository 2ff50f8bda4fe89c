import FalProtocol
import Testing

@Suite struct ServerSentEventParserTests {
  static let stream = ": keep-alive\r\ndata: {\"a\":1}\r\n\r\nevent: custom\ndata: line1\ndata: line2\nid: 7\n\ndata: é漢\r\rdata:no-space\n\n"

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
