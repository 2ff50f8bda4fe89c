import FalProtocol
import HistoryModel
import TerminalScreen
import Testing

@testable import StudioUI

/// Snapshots of the queue rows, history rows, messages view, zoomed log and truncation, at the
/// three sizes the studio is tried at (80×24, 120×40, 200×60).
@Suite struct ViewsSnapshotTests {
  static let sizes = [(80, 24), (120, 40), (200, 60)]

  func render(_ state: AppState) -> ScreenGrid {
    StudioRenderer.render(state, width: state.width, height: state.height)
  }

  /// A busy queue beside a history whose rows have their details (some on disk, one marked).
  func studio(width: Int, height: Int) -> AppState {
    var state = Fixtures.withHistory(total: 30, width: width, height: height)
    Fixtures.busyQueue(&state)
    var details: [String: RowDetail] = [:]
    for (index, summary) in state.history.items.enumerated() {
      details[summary.id] = RowDetail(
        resolution: index % 2 == 0 ? "720p" : "480p", frames: 96 + 24 * (index % 5),
        cost: summary.status == .completed ? 0.32 + Double(index % 4) * 0.16 : nil,
        onDisk: summary.status == .completed && index % 3 != 1)
    }
    _ = StudioReducer.update(&state, .rowDetails(details))
    state.history.marked["h2"] = state.history.items[2]
    return state
  }

  @Test(arguments: sizes) func queueAndHistoryRows(_ size: (Int, Int)) {
    var state = studio(width: size.0, height: size.1)
    state.focus = .history
    assertSnapshot(render(state), named: "rows-\(size.0)x\(size.1)")
  }

  @Test(arguments: sizes) func historyByCost(_ size: (Int, Int)) {
    var state = studio(width: size.0, height: size.1)
    state.focus = .history
    _ = StudioReducer.update(&state, .command(.sortHistory))
    assertSnapshot(render(state), named: "history-by-cost-\(size.0)x\(size.1)")
  }

  @Test(arguments: sizes) func messagesViewShowsEveryNoticeWhole(_ size: (Int, Int)) {
    var state = Fixtures.studio(width: size.0, height: size.1)
    _ = StudioReducer.update(&state, .notice("history: 2 lines could not be read"))
    state.now = state.now.addingTimeInterval(65)
    _ = StudioReducer.update(
      &state,
      .notice(
        "no display here (ssh): fetch it with: scp render-box:/home/someone/.local/share/magi-studio/videos/2026-08-01-a-red-fox-running-through-snow-cinematic-golden-hour-3f2a9c.mp4 ."
      ))
    _ = StudioReducer.update(&state, .command(.showMessages))
    assertSnapshot(render(state), named: "messages-\(size.0)x\(size.1)")
  }

  @Test(arguments: sizes) func longTextEndsWithAnEllipsis(_ size: (Int, Int)) {
    var state = Fixtures.withHistory(total: 3, width: size.0, height: size.1)
    Fixtures.busyQueue(&state)
    state.notice = Notice(
      "/home/someone/.config/magi-studio/config.toml:3: expected ']' to close the table header, found the end of the line; line ignored — and a very long tail that no terminal of these sizes shows in one line, so it must end with a marker",
      kind: .warning)
    assertSnapshot(render(state), named: "truncation-\(size.0)x\(size.1)")
  }

  @Test func zoomedLogWraps() {
    var state = Fixtures.studio(width: 80, height: 24)
    Fixtures.busyQueue(&state)
    _ = StudioReducer.update(
      &state,
      .jobLogs(
        "j-run", [Fixtures.log(String(repeating: "a long line of model output that goes on ", count: 4), second: 40)]))
    state.focus = .queue
    _ = StudioReducer.update(&state, .command(.toggleZoom))
    _ = StudioReducer.update(&state, .command(.toggleLogWrap))
    assertSnapshot(render(state), named: "log-zoomed-wrapped-80x24")
  }
}
