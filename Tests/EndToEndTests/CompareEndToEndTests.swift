import Foundation
import TestSupport
import Testing

/// Compare in a real terminal: a four-seed batch made with the CLI on the offline twin, then in the
/// studio `C` on one of its rows shows the four sheets with their seeds, and `s` stars one (★ in
/// the compare view, in the history, and in the record).
@Suite(.serialized, .timeLimit(.minutes(5))) struct CompareEndToEndTests {
  typealias Home = StudioEndToEndTests.Home

  @Test func aSeedBatchIsComparedAndItsWinnerStarred() async throws {
    let home = try await Home()
    let made = try await ChildProcess.run(
      [StudioEndToEndTests.binary, "generate", "--prompt", "p", "--seeds", "4", "--json", "--max-parallel", "4"],
      environment: home.environment(["MAGI_EMULATOR_STEP_MS": "5"]), timeout: .seconds(120))
    #expect(made.status == 0, "\(made.stderr)")
    let jobs = made.stdout.split(separator: "\n").compactMap {
      try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
    #expect(jobs.count == 4)
    let batch = try #require(jobs.first?["batch"] as? String)

    let tmux = try await TmuxSession(
      command: [StudioEndToEndTests.binary], environment: home.environment(["COLORTERM": "truecolor"]), width: 100,
      height: 40)
    try await tmux.waitFor("OFFLINE")
    try await tmux.press("3")
    try await tmux.waitFor("4 items")
    try await tmux.press("C")
    try await tmux.waitFor("Compare — 4 videos")
    // Four sheets of block symbols, each captioned with its seed.
    let sheets = try await tmux.waitFor("four sheets with their seeds", timeout: .seconds(60)) { screen in
      screen.components(separatedBy: "seed ").count - 1 == 4 && !screen.contains("loading preview")
        && PreviewEndToEndTests.blockCount(screen) > 4 * 40
    }
    #expect(!sheets.contains("no preview"), "\(sheets)")
    try await tmux.press("l")
    try await tmux.press("s")
    let starred = try await tmux.waitFor("★ on the second sheet") { $0.contains("starred") && $0.contains("★ ") }
    #expect(starred.components(separatedBy: "★").count - 1 >= 2, "the caption and the notice:\n\(starred)")
    try await tmux.press("Escape")
    // The closed batch row says a winner is in it; opened, the winner's row has the star.
    try await tmux.waitFor("the batch row with its star") { !$0.contains("Compare — ") && $0.contains("4 done · ★ ·") }
    try await tmux.press("Right")
    try await tmux.waitFor("the history with its star") { $0.contains("★ p") }
    try await tmux.press("C-q")
    try await tmux.waitUntilExited()

    // The record says so too: exactly one of the batch is starred.
    let listed = try await ChildProcess.run(
      [StudioEndToEndTests.binary, "compare", "--batch", batch, "--json"], environment: home.environment())
    #expect(listed.status == 0, "\(listed.stderr)")
    let records = listed.stdout.split(separator: "\n").compactMap {
      try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
    #expect(records.map { $0["starred"] as? Bool } == [false, true, false, false])
  }
}
