import FlyingFox
import FlyingSocks

/// Zeros, `count` of them or without end: the body of the `endlessBody` and `oversizedBody` faults,
/// made as it is sent so that an endless one costs the emulator no memory.
struct ZeroBytes: AsyncBufferedSequence, Sendable {
  typealias Element = UInt8
  /// nil: never ends.
  var count: Int?

  func makeAsyncIterator() -> Iterator { Iterator(remaining: count) }

  struct Iterator: AsyncBufferedIteratorProtocol {
    var remaining: Int?

    mutating func next() async throws -> UInt8? {
      try await nextBuffer(suggested: 1)?.first
    }

    mutating func nextBuffer(suggested count: Int) async throws -> ArraySlice<UInt8>? {
      try Task.checkCancellation()
      var size = Swift.max(1, Swift.min(count, 64 << 10))
      if let left = remaining {
        guard left > 0 else { return nil }
        size = Swift.min(size, left)
        remaining = left - size
      }
      return ArraySlice(repeating: 0, count: size)
    }
  }
}
