import FlyingFox
import FlyingSocks

/// A body that sends `bytes` and then fails, so that FlyingFox closes the connection short of the
/// announced length: the `cutBody` fault, a download dropped mid-file.
struct BrokenBody: AsyncBufferedSequence, Sendable {
  typealias Element = UInt8
  struct Broken: Error {}

  var bytes: [UInt8]

  func makeAsyncIterator() -> Iterator { Iterator(remaining: bytes[...]) }

  struct Iterator: AsyncBufferedIteratorProtocol {
    var remaining: ArraySlice<UInt8>

    mutating func next() async throws -> UInt8? {
      try await nextBuffer(suggested: 1)?.first
    }

    mutating func nextBuffer(suggested count: Int) async throws -> ArraySlice<UInt8>? {
      guard !remaining.isEmpty else { throw Broken() }
      let piece = remaining.prefix(Swift.max(1, count))
      remaining = remaining.dropFirst(piece.count)
      return piece
    }
  }
}
