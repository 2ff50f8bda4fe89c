#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Dispatch

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
  /// One non-blank line, parsed.
  enum Line {
    case record(HistoryLine.Head, offset: Int64, length: Int)
    case tombstone(id: String)
    /// Written by a newer release: not corrupt, not ours to read or to compact away.
    case future
    /// Neither a record nor a tombstone; `number` counts lines from the start of its piece (1-based).
    case invalid(offset: Int64, number: Int, bytes: [UInt8])
  }

  /// The parsed lines of one piece, and how many lines (blank ones included) it held.
  struct Piece {
    var lines: [Line] = []
    var lineCount = 0
  }

  /// Blocks smaller than this are parsed on the calling thread: starting workers costs more.
  static let parallelMinimum = 1 << 20

  /// Parses `bytes`, which must end just after a newline; `base` is the file offset of its first byte.
  ///
  /// - Returns: the pieces in file order.
  static func parse(_ bytes: UnsafeRawBufferPointer, base: Int64) -> [Piece] {
    let ways = bytes.count < parallelMinimum ? 1 : min(4, max(1, ProcessInfo.processInfo.activeProcessorCount))
    let bounds = cut(bytes, into: ways)
    if bounds.count == 1 { return [parsePiece(bytes, base: base)] }
    var pieces = [Piece](repeating: Piece(), count: bounds.count)
    pieces.withUnsafeMutableBufferPointer { out in
      let work = SharedBuffers(input: bytes, output: out)
      DispatchQueue.concurrentPerform(iterations: bounds.count) { number in
        let range = bounds[number]
        work.output[number] = parsePiece(
          UnsafeRawBufferPointer(rebasing: work.input[range]), base: base + Int64(range.lowerBound))
      }
    }
    return pieces
  }

  /// The block and the results, shared with the workers for the duration of `concurrentPerform`:
  /// the block is only read, and each worker writes only its own element of the results.
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

  /// Parses one piece on the calling thread.
  static func parsePiece(_ bytes: UnsafeRawBufferPointer, base: Int64) -> Piece {
    var piece = Piece()
    guard let start = bytes.baseAddress else { return piece }
    // Slow-path lines (hand-edited, from another release) are rare; the decoder is made on the first.
    var decoder: JSONDecoder?
    var consumed = 0
    while consumed < bytes.count, let found = memchr(start + consumed, 0x0A, bytes.count - consumed) {
      let newline = start.distance(to: UnsafeRawPointer(found))
      piece.lineCount += 1
      let line = UnsafeRawBufferPointer(start: start + consumed, count: newline - consumed)
      let offset = base + Int64(consumed)
      consumed = newline + 1
      if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
      if let head = HistoryLine.scanHead(line), HistoryLine.isComplete(line) {
        switch head {
        case .record(let head): piece.lines.append(.record(head, offset: offset, length: line.count))
        case .tombstone(let id): piece.lines.append(.tombstone(id: id))
        }
        continue
      }
      if decoder == nil { decoder = HistoryLine.decoder() }
      switch HistoryLine.decodeFully(line, with: decoder!) {
      case .line(.record(let head)): piece.lines.append(.record(head, offset: offset, length: line.count))
      case .line(.tombstone(let id)): piece.lines.append(.tombstone(id: id))
      case .future: piece.lines.append(.future)
      case .invalid: piece.lines.append(.invalid(offset: offset, number: piece.lineCount, bytes: Array(line)))
      }
    }
    return piece
  }
}
