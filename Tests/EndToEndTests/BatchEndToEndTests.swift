import Foundation
import TestSupport
import Testing

/// A batch as a person makes one: variations typed into the form, sent with one question, run on
/// the emulator, found again in the history as one batch row that opens to its jobs, and compared
/// side by side.
@Suite(.serialized, .timeLimit(.minutes(5))) struct BatchEndToEndTests {
  @Test func fourSeedsFromTheFormRunAsOneBatchAndShowAsOneBatchRow() async throws {
    let home = try await StudioEndToEndTests.Home()
    let tmux = try await TmuxSession(
      command: [StudioEndToEndTests.binary], environment: home.environment(["MAGI_EMULATOR_WORKERS": "2"]),
      width: 100, height: 30)
    try await tmux.waitFor("Describe the video")
    try await tmux.press("Enter")
    try await tmux.waitFor("EDIT")
    try await tmux.type("a kite over dunes")
    try await tmux.press("Escape")
    try await tmux.waitFor("NORMAL")
    // prompt → Frames, Steps, Res., Aspect, Seed, Vary (text-to-video has no source field).
    try await tmux.press("Down", "Down", "Down", "Down", "Down", "Down", "Enter")
    try await tmux.waitFor("EDIT")
    try await tmux.type("seeds=4")
    try await tmux.press("Escape")
    try await tmux.waitFor("4 jobs · 16.0 u · $1.28")
    try await tmux.press("C-s")
    try await tmux.waitFor("the batch question") {
      $0.contains("Submit 4 jobs?") && $0.contains("16.0 units ≈ $1.28 in")
    }
    try await tmux.press("y")
    try await tmux.waitFor("the four jobs done", timeout: .seconds(90)) { $0.contains("batch 4 jobs · 4 done") }
    try await tmux.press("3", "Enter")
    try await tmux.waitFor("the batch row open to its four jobs") { screen in
      // Each job under the row, marked as the batch's (├, └ for the last), finished (✓).
      screen.contains("▾ batch 4 jobs") && screen.components(separatedBy: "├✓").count - 1 == 3
        && screen.components(separatedBy: "└✓").count - 1 == 1
    }
    try await tmux.press("Left")
    try await tmux.waitFor("the batch row closed") { $0.contains("▸ batch 4 jobs") && !$0.contains("├✓") }
    // Compare on the batch row: the four results side by side, each captioned with its seed.
    try await tmux.press("C")
    try await tmux.waitFor("four sheets with their seeds", timeout: .seconds(60)) { screen in
      screen.contains("Compare — 4 videos") && screen.components(separatedBy: "seed ").count - 1 == 4
        && !screen.contains("loading preview")
    }
    try await tmux.press("Escape")
    try await tmux.waitFor("the compare closed") { !$0.contains("Compare — ") }

    // Four records, one batch id, four different seeds drawn for them.
    let lines = try String(contentsOfFile: home.root + "/data/magi-studio/history.jsonl", encoding: .utf8)
      .split(separator: "\n")
    var batches: Set<String> = []
    var seeds: [String: Int] = [:]
    for line in lines {
      guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
        let id = object["id"] as? String
      else { continue }
      if let batch = object["batch"] as? String { batches.insert(batch) }
      if let seed = (object["input"] as? [String: Any])?["seed"] as? Int { seeds[id] = seed }
    }
    #expect(batches.count == 1)
    #expect(seeds.count == 4)
    #expect(Set(seeds.values).count == 4, "\(seeds)")
    try await tmux.waitFor("no job running") { !$0.contains("running ") }
    try await tmux.press("C-q")
    try await tmux.waitUntilExited()
  }
}
