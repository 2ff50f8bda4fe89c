import FlyingFox
import FlyingSocks

/// A body that never sends a byte: the "headers then silence" fault, a server or proxy that
/// stopped answering after the response head. It ends only when its task is cancelled (the
/// server stopping); a client must give up by its own timeout.
struct SilentBody: AsyncBufferedSequence, Sendable {
  typealias Element = UInt8

  func makeAsyncIterator() -> Iterator { Iterator() }

  struct Iterator: AsyncBufferedIteratorProtocol {
    mutating func next() async throws -> UInt8? {
      try await nextBuffer(suggested: 1)?.first
    }

    mutating func nextBuffer(suggested count: Int) async throws -> ArraySlice<UInt8>? {
      while true { try await Task.sleep(for: .seconds(3600)) }
    }
  }
}
