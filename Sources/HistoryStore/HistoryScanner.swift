#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

#if canImport(Glibc)
  import Glibc
#endif

/// Turns a block of `history.jsonl` into lines the index can take, apart from the index itself.
///
/// Parsing (finding lines, checking them whole, reading heads, making strings) is most of an open
/// and depends on nothing but the bytes, so a large block is cut at newlines and its pieces are
/// parsed on all cores at once; the index then takes the lines in file order, one thread, so a later
/// line still wins. At 100,000 lines this halves the open on two cores.
enum HistoryScanner {
  /// One non-blank line, parsed. Texts are ranges of the block, or of the piece's `scratch`.
  enum Line {
    case record(HistoryLine.Fields, id: HistoryLine.Text, prompt: HistoryLine.Text, offset: Int64, length: Int)
    case tombstone(id: HistoryLine.Text)
    /// Written by a newer release: not corrupt, not ours to read or to compact away.
    case future
    /// Neither a record nor a tombstone; `number` counts lines from the start of its piece (1-based).
    case invalid(offset: Int64, number: Int, bytes: [UInt8])
  }

  /// The parsed lines of one piece, and how many lines (blank ones included) it held.
  struct Piece {
    var lines: [Line] = []
    var lineCount = 0
    /// Strings with escapes, decoded.
    var scratch: [UInt8] = []
  }

  /// Blocks smaller than this are parsed on the calling thread: starting workers costs more.
  static let parallelMinimum = 256 << 10

  /// As many pieces as there are cores (up to 4) for a block worth splitting; one for a small one.
  static func ways(for count: Int) -> Int {
    count < parallelMinimum ? 1 : min(4, max(1, ProcessInfo.processInfo.activeProcessorCount))
  }

  /// Parses `bytes`, which must end just after a newline; `base` is the file offset of its first byte.
  ///
  /// - Returns: the pieces in file order (up to `ways` of them).
  static func parse(_ bytes: UnsafeRawBufferPointer, base: Int64, ways: Int? = nil) -> [Piece] {
    let ways = ways ?? Self.ways(for: bytes.count)
    let bounds = cut(bytes, into: ways)
    if bounds.count == 1 { return [parsePiece(bytes, base: base)] }
    var pieces = [Piece](repeating: Piece(), count: bounds.count)
    pieces.withUnsafeMutableBufferPointer { out in
      let work = SharedBuffers(input: bytes, output: out)
      ParallelThreads.run(count: bounds.count) { number in
        let range = bounds[number]
        work.output[number] = parsePiece(
          UnsafeRawBufferPointer(rebasing: work.input[range]), base: base + Int64(range.lowerBound),
          blockOffset: range.lowerBound)
      }
    }
    return pieces
  }

  /// The block and the results, shared with the workers while they run: the block is only read,
  /// and each worker writes only its own element of the results.
  private struct SharedBuffers: @unchecked Sendable {
    let input: UnsafeRawBufferPointer
    let output: UnsafeMutableBufferPointer<Piece>
  }

  /// Up to `ways` ranges of about equal size covering `bytes`, each ending just after a newline.
  static func cut(_ bytes: UnsafeRawBufferPointer, into ways: Int) -> [Range<Int>] {
    guard ways > 1, let base = bytes.baseAddress else { return [0..<bytes.count] }
    var ranges: [Range<Int>] = []
    var start = 0
    for part in 1..<ways {
      let target = max(start, bytes.count * part / ways)
      guard target < bytes.count, let found = memchr(base + target, 0x0A, bytes.count - target) else { break }
      let end = base.distance(to: UnsafeRawPointer(found)) + 1
      if end > start, end < bytes.count {
        ranges.append(start..<end)
        start = end
      }
    }
    ranges.append(start..<bytes.count)
    return ranges
  }

  /// Parses one piece on the calling thread; `bytes` starts at the block's start + `blockOffset`.
  static func parsePiece(_ bytes: UnsafeRawBufferPointer, base: Int64, blockOffset: Int = 0) -> Piece {
    var piece = Piece()
    guard let start = bytes.baseAddress else { return piece }
    // Slow-path lines (hand-edited, from another release) are rare; the decoder is made on the first.
    var decoder: JSONDecoder?
    var consumed = 0
    while consumed < bytes.count, let found = memchr(start + consumed, 0x0A, bytes.count - consumed) {
      let newline = start.distance(to: UnsafeRawPointer(found))
      piece.lineCount += 1
      let line = UnsafeRawBufferPointer(start: start + consumed, count: newline - consumed)
      let lineStart = consumed
      let offset = base + Int64(consumed)
      consumed = newline + 1
      if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
      let mark = piece.scratch.count
      if let head = HistoryLine.scanRawHead(line, scratch: &piece.scratch), HistoryLine.isComplete(line) {
        let shift = blockOffset + lineStart
        switch head {
        case .record(let fields, let id, let prompt):
          piece.lines.append(
            .record(
              fields, id: id.shifted(by: shift), prompt: prompt.shifted(by: shift), offset: offset, length: line.count))
        case .tombstone(let id):
          piece.lines.append(.tombstone(id: id.shifted(by: shift)))
        }
        continue
      }
      piece.scratch.removeSubrange(mark...)
      if decoder == nil { decoder = HistoryLine.decoder() }
      switch HistoryLine.decodeFully(line, with: decoder!) {
      case .line(.record(let head)):
        let id = piece.keep(head.id)
        piece.lines.append(
          .record(head.fields, id: id, prompt: piece.keep(head.prompt), offset: offset, length: line.count))
      case .line(.tombstone(let id)): piece.lines.append(.tombstone(id: piece.keep(id)))
      case .future: piece.lines.append(.future)
      case .invalid: piece.lines.append(.invalid(offset: offset, number: piece.lineCount, bytes: Array(line)))
      }
    }
    return piece
  }
}

extension HistoryScanner.Piece {
  /// Copies a decoded string into `scratch`.
  mutating func keep(_ text: String) -> HistoryLine.Text {
    let first = scratch.count
    scratch.append(contentsOf: text.utf8)
    return .decoded(first..<scratch.count)
  }
}
