import Foundation
import TestSupport
import Testing

/// `magi-studio compare` against the embedded twin: a batch's PNG grid, the differing parameters
/// as JSON, a grid of sheets in a terminal, and the one-line errors with their exit codes.
@Suite(.serialized) struct CompareCommandTests {
  /// Four finished jobs of one batch (two prompts × two seeds): their ids, oldest first, and the batch id.
  static func batch(_ runner: CommandRunner) async throws -> (ids: [String], batch: String) {
    let made = try await runner.run([
      "generate", "--prompt", "a fox at {dawn|dusk}", "--seed-list", "7,8", "--json", "--max-parallel", "4",
    ])
    #expect(made.status == 0, "\(made.stderr)")
    let lines = BatchCommandTests.objects(made.stdout).sorted {
      ($0["created"] as? String ?? "", $0["id"] as? String ?? "") < (
        $1["created"] as? String ?? "", $1["id"] as? String ?? ""
      )
    }
    let batch = try #require(lines.first?["batch"] as? String)
    return (lines.compactMap { $0["id"] as? String }, batch)
  }

  @Test func writesTheBatchAsAPNGGridWithCaptions() async throws {
    let runner = try CommandRunner()
    let (ids, batch) = try await Self.batch(runner)
    #expect(ids.count == 4)
    let grid = runner.home + "/grid.png"
    let written = try await runner.run(["compare", "--batch", batch, "-o", grid])
    #expect(written.status == 0, "\(written.stderr)")
    #expect(written.stderr.contains("wrote \(grid) (1060×864, 4 videos)"), "\(written.stderr)")
    let probe = try await ChildProcess.run([
      "ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", grid,
    ])
    // Each tile: four 16:9 frames fitted in 256×256 (256×144), 4 pixels around and between
    // (1044×152), then three caption lines (id, prompt, seed) at 18 pixels: 1044×206. Such wide
    // tiles fill a 16:9 picture best one under the other, 8 pixels apart and around.
    #expect(probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "png,1060,864")
  }

  @Test func jsonPrintsWhatDiffersPerRecordAndIDsMayBePrefixes() async throws {
    let runner = try CommandRunner()
    let (ids, _) = try await Self.batch(runner)
    // The dawn job with seed 7 and the dusk job with seed 8 differ in both (the jobs run at once,
    // so which id is which is read from their parameters).
    let all = try await runner.run(["compare"] + ids + ["--json"])
    let everyone = BatchCommandTests.objects(all.stdout)
    func id(_ prompt: String, _ seed: String) throws -> String {
      try #require(
        everyone.first {
          let differs = $0["differs"] as? [String: String]
          return differs?["prompt"] == prompt && differs?["seed"] == seed
        }?["id"] as? String, "\(all.stdout)")
    }
    let (first, last) = (try id("…dawn", "7"), try id("…dusk", "8"))
    let shown = try await runner.run(["compare", String(first.prefix(20)), last, "--json"])
    #expect(shown.status == 0, "\(shown.stderr)")
    let lines = BatchCommandTests.objects(shown.stdout)
    #expect(lines.map { $0["id"] as? String } == [first, last])
    let differs = lines.compactMap { $0["differs"] as? [String: String] }
    #expect(differs == [["prompt": "…dawn", "seed": "7"], ["prompt": "…dusk", "seed": "8"]])
    #expect(lines.allSatisfy { $0["starred"] as? Bool == false })
  }

  @Test func refusesInOneLineWithTheDocumentedExitCodes() async throws {
    let runner = try CommandRunner()
    let (ids, batch) = try await Self.batch(runner)
    // No decoder (none cached yet): said, exit 1.
    let noDecoder = try await runner.run(
      ["compare", ids[0], ids[1], "-o", runner.home + "/x.png"],
      environment: ["MAGI_STUDIO_DECODER": runner.home + "/no-decoder"])
    #expect(noDecoder.status == 1, "\(noDecoder.stderr)")
    #expect(noDecoder.stderr.contains("magi-decode is not installed"), "\(noDecoder.stderr)")
    let one = try await runner.run(["compare", ids[0]])
    #expect(one.status == 64)
    #expect(one.stderr.contains("compare takes 2 to 9 history ids (or --batch ID), not 1"), "\(one.stderr)")
    let ten = try await runner.run(["compare"] + Array(repeating: ids[0], count: 10))
    #expect(ten.status == 64)
    #expect(ten.stderr.contains("not 10"), "\(ten.stderr)")
    let unknown = try await runner.run(["compare", ids[0], "ffffffffff"])
    #expect(unknown.status == 64, "\(unknown.stderr)")
    #expect(unknown.stderr.contains("ffffffffff"), "\(unknown.stderr)")
    let both = try await runner.run(["compare", ids[0], "--batch", batch])
    #expect(both.status == 64)
    // A job not finished has no video: which one, and exit 66.
    let pending = try await runner.run(["generate", "--prompt", "still going", "--json"])
    let pendingID = try #require(BatchCommandTests.objects(pending.stdout).first?["id"] as? String, "\(pending.stderr)")
    let noVideo = try await runner.run(["compare", ids[0], pendingID, "-o", runner.home + "/y.png"])
    #expect(noVideo.status == 66, "\(noVideo.stderr)")
    #expect(noVideo.stderr.contains("\(pendingID): it has no video file"), "\(noVideo.stderr)")
    #expect(noVideo.stderr.split(separator: "\n").count == 1, "\(noVideo.stderr)")
  }

  @Test func printsAGridOfSheetsWithTheirDifferencesInATerminal() async throws {
    let runner = try CommandRunner()
    let (ids, _) = try await Self.batch(runner)
    var environment = runner.environment
    environment["COLORTERM"] = "truecolor"
    environment["TERM"] = "xterm-256color"
    let tmux = try await TmuxSession(
      command: ["/bin/sh", "-c", "\"$0\" \"$@\"; echo \"exit=$?\"; exec cat", CommandRunner.binary, "compare"] + ids
        + ["--graphics", "symbols"],
      environment: environment, width: 100, height: 40)
    defer { Task { await tmux.close() } }
    let screen = try await tmux.waitFor("exit=", timeout: .seconds(60))
    #expect(screen.contains("exit=0"), "\(screen)")
    for id in ids { #expect(screen.contains(String(id.prefix(20))), "\(id) not shown:\n\(screen)") }
    #expect(screen.contains("seed 7") && screen.contains("seed 8"), "\(screen)")
    #expect(screen.contains("prompt …dawn") && screen.contains("prompt …dusk"), "\(screen)")
    #expect(screen.contains(where: { "▀▄▌▐▖▗▘▝▙▚▛▜▞▟█".contains($0) }), "no block symbols")
  }
}
