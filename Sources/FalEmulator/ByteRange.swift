import Foundation

/// A single HTTP `Range: bytes=…` request, resolved against a file size.
///
/// Downloads are resumed with `bytes=N-`; suffix (`bytes=-N`) and closed ranges are honoured too.
/// Multi-range requests are answered with their first range, which RFC 9110 allows.
enum ByteRange: Equatable {
  /// The header asked for these bytes (upper bound exclusive).
  case satisfiable(Range<Int>)
  /// No byte of the file matches: answer 416.
  case unsatisfiable
  /// Absent or not a bytes range: serve the whole file.
  case none

  static func parse(_ header: String?, size: Int) -> ByteRange {
    guard let header = header?.trimmingCharacters(in: .whitespaces), header.lowercased().hasPrefix("bytes=") else {
      return .none
    }
    let spec = header.dropFirst("bytes=".count).split(separator: ",").first.map(String.init) ?? ""
    let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map {
      $0.trimmingCharacters(in: .whitespaces)
    }
    guard parts.count == 2 else { return .none }
    if parts[0].isEmpty {
      guard let suffix = Int(parts[1]), suffix > 0 else { return .unsatisfiable }
      guard size > 0 else { return .unsatisfiable }
      return .satisfiable(max(0, size - suffix)..<size)
    }
    guard let start = Int(parts[0]), start >= 0 else { return .none }
    guard start < size else { return .unsatisfiable }
    if parts[1].isEmpty { return .satisfiable(start..<size) }
    guard let end = Int(parts[1]), end >= start else { return .none }
    return .satisfiable(start..<min(end + 1, size))
  }
}
