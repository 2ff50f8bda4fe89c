/// Makes new inputs from old ones, the way coverage-blind fuzzers do: small edits most of the time,
/// plus the shapes that break parsers (deep nesting, huge numbers, long repeats, invalid UTF-8).
///
/// Deterministic for a given generator state, so a failing iteration is found again by its seed.
public struct Mutator: Sendable {
  /// Mutated inputs stop growing here (seeds may be larger): keeps an iteration in microseconds.
  public var maximumLength: Int
  public let dictionary: [[UInt8]]

  public init(dictionary: [[UInt8]], maximumLength: Int = 64 << 10) {
    self.dictionary = dictionary
    self.maximumLength = maximumLength
  }

  static let interestingBytes: [UInt8] = [0, 0x0A, 0x0D, 0x1B, 0x20, 0x22, 0x5C, 0x7F, 0x80, 0xBF, 0xC0, 0xFF]
  static let hostileTokens: [[UInt8]] =
    [
      "NaN", "nan", "inf", "-inf", "Infinity", "1e308", "-1e308", "1e19", "-1e19", "1e17", "9223372036854775807",
      "-9223372036854775808", "18446744073709551616", "0x7fffffffffffffff", "-0", "1e-400", "4294967296",
      "\u{0}", "\u{1B}]0;title\u{7}", "\u{1B}[2J", "\u{1B}[99~", "\u{1B}P1$r\u{1B}\\", "\u{FEFF}", "\r\n",
    ].map { Array($0.utf8) } + [[0xC3], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF, 0xFE]]

  /// A new input from `input`; `corpus` supplies splice partners.
  public func mutate(_ input: [UInt8], corpus: [[UInt8]], random: inout FuzzRandom) -> [UInt8] {
    var bytes = input
    for _ in 0..<random.small(4) {
      apply(random.below(12), to: &bytes, corpus: corpus, random: &random)
      if bytes.count > maximumLength { bytes.removeLast(bytes.count - maximumLength) }
    }
    return bytes
  }

  private func apply(_ kind: Int, to bytes: inout [UInt8], corpus: [[UInt8]], random: inout FuzzRandom) {
    let position = random.below(bytes.count + 1)
    switch kind {
    case 0 where !bytes.isEmpty:  // flip a bit
      let index = random.below(bytes.count)
      bytes[index] ^= 1 << UInt8(random.below(8))
    case 1 where !bytes.isEmpty:  // an interesting byte
      bytes[random.below(bytes.count)] = Self.interestingBytes[random.below(Self.interestingBytes.count)]
    case 2:  // random bytes inserted
      let count = random.small(8)
      bytes.insert(contentsOf: (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }, at: position)
    case 3 where !bytes.isEmpty:  // a range deleted
      let end = min(bytes.count, position + random.small(32))
      if position < end { bytes.removeSubrange(position..<end) }
    case 4 where !bytes.isEmpty:  // a chunk repeated
      let start = random.below(bytes.count)
      let chunk = Array(bytes[start..<min(bytes.count, start + random.small(16))])
      let times = random.small(random.below(4) == 0 ? 4096 : 16)
      for _ in 0..<times where bytes.count + chunk.count <= maximumLength {
        bytes.insert(contentsOf: chunk, at: position)
      }
    case 5 where !corpus.isEmpty:  // spliced with another input
      let other = corpus[random.below(corpus.count)]
      let cut = random.below(other.count + 1)
      bytes = Array(bytes[..<position]) + Array(other[cut...].prefix(maximumLength))
    case 6 where !dictionary.isEmpty:  // a word of the format
      bytes.insert(contentsOf: dictionary[random.below(dictionary.count)], at: position)
    case 7:  // a hostile number or sequence
      let token = Self.hostileTokens[random.below(Self.hostileTokens.count)]
      if !bytes.isEmpty, random.below(2) == 0 {
        let end = min(bytes.count, position + random.small(8))
        bytes.replaceSubrange(position..<end, with: token)
      } else {
        bytes.insert(contentsOf: token, at: position)
      }
    case 8:  // deep nesting of the format's openers
      let openers: [[UInt8]] = [[0x5B], [0x7B], Array("a={".utf8), Array("{\"a\":".utf8), Array("[[".utf8)]
      let opener = openers[random.below(openers.count)]
      let depth = random.below(3) == 0 ? 20_000 : random.small(300)
      bytes.insert(
        contentsOf: Array([[UInt8]](repeating: opener, count: depth).joined()).prefix(maximumLength), at: position)
    case 9 where !bytes.isEmpty:  // a run of one byte (an endless line, a long number)
      let byte = bytes[random.below(bytes.count)]
      bytes.insert(contentsOf: [UInt8](repeating: byte, count: random.small(2048)), at: position)
    case 10 where bytes.count > 1:  // two bytes swapped
      let other = random.below(bytes.count)
      bytes.swapAt(min(position, bytes.count - 1), other)
    default:  // truncated
      if !bytes.isEmpty { bytes.removeLast(random.below(bytes.count) / 2) }
    }
  }
}
