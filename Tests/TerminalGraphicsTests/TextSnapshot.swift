import Testing

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Compares `actual` with `__Snapshots__/<name>`; a missing file or `SNAPSHOT_RECORD=1` records it
/// and fails, so nothing is recorded silently.
func assertTextSnapshot(
  _ actual: String, named name: String, filePath: String = #filePath, sourceLocation: SourceLocation = #_sourceLocation
) {
  let directory = URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("__Snapshots__")
  let url = directory.appendingPathComponent(name)
  let expected = try? String(contentsOf: url, encoding: .utf8)
  if ProcessInfo.processInfo.environment["SNAPSHOT_RECORD"] == "1" || expected == nil {
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    do {
      try actual.write(to: url, atomically: true, encoding: .utf8)
      Issue.record("Recorded snapshot \(name); check it and run the tests again", sourceLocation: sourceLocation)
    } catch {
      Issue.record("Could not record snapshot \(name): \(error)", sourceLocation: sourceLocation)
    }
    return
  }
  #expect(expected == actual, "snapshot \(name) differs", sourceLocation: sourceLocation)
}
