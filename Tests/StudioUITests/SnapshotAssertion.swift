import TerminalScreen
import Testing

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Compares a rendered grid with `__Snapshots__/<name>.txt` (text, plus the caret position) and
/// `<name>.style.txt` (one role letter per cell), and for grids holding pictures
/// `<name>.colors.txt` (each picture cell's colours).
///
/// A missing file, or `SNAPSHOT_RECORD=1`, records the current rendering and FAILS the test, so a
/// snapshot is never written silently: read the new file, then run again.
func assertSnapshot(
  _ grid: ScreenGrid, named name: String, filePath: String = #filePath,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  let directory = URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("__Snapshots__")
  let cursor = grid.cursor.map { "cursor: \($0.x),\($0.y)" } ?? "cursor: none"
  var files = [
    ("\(name).txt", grid.textDump() + "\n" + cursor + "\n"),
    ("\(name).style.txt", grid.styleDump() + "\n"),
  ]
  let colors = grid.colorDump()
  if !colors.isEmpty { files.append(("\(name).colors.txt", colors + "\n")) }
  let record = ProcessInfo.processInfo.environment["SNAPSHOT_RECORD"] == "1"
  for (file, actual) in files {
    let url = directory.appendingPathComponent(file)
    let expected = try? String(contentsOf: url, encoding: .utf8)
    if record || expected == nil {
      try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      do {
        try actual.write(to: url, atomically: true, encoding: .utf8)
        Issue.record("Recorded snapshot \(file); check it and run the tests again", sourceLocation: sourceLocation)
      } catch {
        Issue.record("Could not record snapshot \(file): \(error)", sourceLocation: sourceLocation)
      }
      continue
    }
    if let expected, expected != actual {
      let diff: String = lineDiff(expected: expected, actual: actual)
      Issue.record("Snapshot \(file) differs:\n\(diff)", sourceLocation: sourceLocation)
    }
  }
}

/// The differing lines, numbered, as `-expected` / `+actual` pairs.
func lineDiff(expected: String, actual: String) -> String {
  let old = expected.split(separator: "\n", omittingEmptySubsequences: false)
  let new = actual.split(separator: "\n", omittingEmptySubsequences: false)
  var out: [String] = []
  for index in 0..<max(old.count, new.count) {
    let a = index < old.count ? String(old[index]) : nil
    let b = index < new.count ? String(new[index]) : nil
    guard a != b else { continue }
    let number = String(index + 1)
    let removed: String = a ?? "<missing>"
    let added: String = b ?? "<missing>"
    out.append("\(number) - \(removed)")
    out.append("\(String(repeating: " ", count: number.count)) + \(added)")
  }
  return out.joined(separator: "\n")
}
