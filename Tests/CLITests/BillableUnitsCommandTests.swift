import Foundation
import TestSupport
import Testing

/// A server's malformed `x-fal-billable-units` header (`NaN`, `1e19`…) used to crash
/// `generate --wait` after the video was saved, and every later `history show` of the record.
/// Now the units are unknown: the video is kept, one warning says why, and the record says so.
@Suite struct BillableUnitsCommandTests {
  @Test(arguments: ["NaN", "1e19", "-1e19"])
  func aMalformedBillingHeaderLeavesTheUnitsUnknownAndTheVideoSaved(_ header: String) async throws {
    let runner = try CommandRunner()
    let emulator = try await EmulatorProcess(
      runner: runner, arguments: ["--workers", "1", "--step-ms", "5", "--fault-billable-units=\(header)"])
    defer { emulator.stop() }
    let env = ["MAGI_FAL_URL": emulator.baseURL]
    let output = try await runner.run(["generate", "--prompt", "billed oddly", "--wait"], environment: env)
    #expect(output.status == 0, "stderr: \(output.stderr)")
    #expect(
      output.stderr.contains("warning: fal sent an unusable billing header (x-fal-billable-units: \"\(header)\")"),
      "\(output.stderr)")
    #expect(output.stdout.contains("billing units: unknown"))
    let saved = try #require(output.stdout.split(separator: "\n").first { $0.hasPrefix("saved: ") }?.dropFirst(7))
    #expect(FileManager.default.fileExists(atPath: String(saved)))

    let submitted = try #require(output.stderr.range(of: "(history id ")?.upperBound)
    let id = String(output.stderr[submitted...].prefix { $0 != ")" })
    let shown = try await runner.run(["history", "show", id])
    #expect(shown.status == 0, "stderr: \(shown.stderr)")
    #expect(shown.stdout.contains("billing:   units unknown"), "\(shown.stdout)")
  }
}
