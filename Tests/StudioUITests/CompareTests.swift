import FalProtocol
import HistoryModel
import TerminalScreen
import Testing

@testable import StudioUI

/// Four finished records of one seed batch, seeds 11 to 14, their videos on disk.
func batchRecords(count: Int = 4) -> [GenerationRecord] {
  (0..<count).map { index in
    var record = Fixtures.record(
      "b\(index)", .completed, prompt: "a red fox running through snow", createdSecondsAgo: Double(900 - index),
      finishedSecondsAgo: Double(600 - index), seed: 11 + index, url: "https://v3.fal.media/files/b\(index).mp4",
      localPath: "/videos/b\(index).mp4")
    record.batchID = "0190a1b2c3d4e5f601234567"
    return record
  }
}

extension Given {
  /// The compare view of `batchRecords()` at 80×24, every sheet arrived, cell `selected` chosen.
  static func compare(selected: Int = 1) -> AppState {
    var state = history()
    _ = StudioReducer.update(&state, .terminal(.key(.character("C"))))
    _ = StudioReducer.update(&state, .comparisonLoaded(batchRecords()))
    for record in batchRecords() {
      _ = StudioReducer.update(&state, .previewSheet(id: record.id, [PreviewPicture(time: 0, art: syntheticArt(0))]))
    }
    if case .compare(var compare) = state.overlay {
      compare.selected = selected
      state.overlay = .compare(compare)
    }
    return state
  }
}

/// What the compare view's keys do (`KeyMapTests` runs each binding against its case here).
let compareBindingCases: [KeyContext: [Command: BindingCase]] = [
  .history: [
    .compareRecords: BindingCase({ Given.history() }, effects: [.loadComparison(.batchOf("h0"))]) {
      $0.overlay = .compare(CompareState(request: .batchOf("h0")))
    }
  ],
  .compare: [
    .close: BindingCase({ Given.compare() }, effects: [.stopPreviews]) {
      $0.overlay = nil
      $0.preview.comparing = false
    },
    .moveLeft: BindingCase({ Given.compare(selected: 1) }) { $0.overlay = Given.compare(selected: 0).overlay },
    .moveRight: BindingCase({ Given.compare(selected: 1) }) { $0.overlay = Given.compare(selected: 2).overlay },
    .moveDown: BindingCase({ Given.compare(selected: 1) }) { $0.overlay = Given.compare(selected: 3).overlay },
    .moveUp: BindingCase({ Given.compare(selected: 3) }) { $0.overlay = Given.compare(selected: 1).overlay },
    .starRecord: BindingCase({ Given.compare(selected: 2) }, effects: [.star("b2", true)]) { _ in },
    .discardOthers: BindingCase({ Given.compare(selected: 2) }) {
      $0.dialog = Dialog(
        purpose: .discardVideos(["b0", "b1", "b3"]), title: "Discard 3 videos?",
        message:
          "Delete the video files of the 3 other results, keeping b2. Their records stay in the history (with their parameters, to re-run); the files cannot be brought back."
      )
    },
    .openRecord: BindingCase({ Given.compare(selected: 3) }, effects: [.open("b3")]) { _ in },
  ],
]

/// Every binding's case, the compare view's included.
let allBindingCases: [KeyContext: [Command: BindingCase]] = bindingCases.merging(compareBindingCases) { base, added in
  base.merging(added) { first, _ in first }
}

@Suite struct CompareTests {
  static func path(_ index: Int) -> String { "/videos/b\(index).mp4" }

  @Test func withNothingMarkedCompareShowsTheSelectedRowsBatch() {
    var state = Given.history()
    let asked = StudioReducer.update(&state, .terminal(.key(.character("C"))))
    #expect(asked == [.loadComparison(.batchOf("h0"))])
    let effects = StudioReducer.update(&state, .comparisonLoaded(batchRecords()))
    // 80×24: two by two, two frames of 17×6 cells per sheet.
    #expect(
      effects
        == (0..<4).map {
          .loadCompareSheet(
            id: "b\($0)", path: Self.path($0), sha256: nil, count: 2, frame: CellSize(columns: 17, rows: 6))
        })
    #expect(state.preview.comparing)
    guard case .compare(let compare) = state.overlay else {
      Issue.record("no compare view")
      return
    }
    #expect(compare.comparison?.differing == ["seed"])
    #expect(compare.sheets.values.allSatisfy { $0.content == .loading })
  }

  @Test func markedRowsAreComparedOldestFirstAndOnlyTwoToNine() {
    var state = Given.history()
    _ = StudioReducer.update(&state, .terminal(.key(.character(" "))))
    var effects = StudioReducer.update(&state, .terminal(.key(.character("C"))))
    #expect(effects.isEmpty)
    #expect(state.overlay == nil)
    #expect(state.notice?.text == "Compare takes 2 to 9 items; 1 is marked")
    _ = StudioReducer.update(&state, .terminal(.key(.character(" "))))
    effects = StudioReducer.update(&state, .terminal(.key(.character("C"))))
    // Summaries are newest first (h0 is the newest): oldest first is h1, h0.
    #expect(effects == [.loadComparison(.records(["h1", "h0"]))])
  }

  @Test func markedRowsMustAllBeFinished() {
    // h3 of the fixtures failed.
    var state = Given.history(total: 5, selected: 2)
    for _ in 0..<2 { _ = StudioReducer.update(&state, .terminal(.key(.character(" ")))) }
    let effects = StudioReducer.update(&state, .terminal(.key(.character("C"))))
    #expect(effects.isEmpty)
    #expect(state.overlay == nil)
    #expect(state.notice?.text == "Compare shows finished videos: 1 marked item is not completed")
  }

  @Test func aFailedLoadClosesTheViewAndSaysWhy() {
    var state = Given.history()
    _ = StudioReducer.update(&state, .terminal(.key(.character("C"))))
    _ = StudioReducer.update(&state, .comparisonFailed("h0 is not part of a batch"))
    #expect(state.overlay == nil)
    #expect(state.notice?.text == "h0 is not part of a batch")
  }

  @Test func aResizeAsksForSheetsOfTheNewSize() {
    var state = Given.compare()
    let effects = StudioReducer.update(&state, .terminal(.resized(width: 120, height: 40)))
    #expect(effects.count == 4)
    #expect(effects.allSatisfy { if case .loadCompareSheet = $0 { true } else { false } })
    let again = StudioReducer.update(&state, .terminal(.key(.character("l"))))
    #expect(again.isEmpty, "the same size asks nothing again")
  }

  @Test func starringShowsTheStarAndSaysSo() {
    var state = Given.compare(selected: 2)
    var starred = batchRecords()[2]
    starred.starred = true
    _ = StudioReducer.update(&state, .recordUpdated(starred))
    #expect(state.notice?.text == "★ b2 starred")
    guard case .compare(let compare) = state.overlay else {
      Issue.record("no compare view")
      return
    }
    #expect(compare.records[2].starred)
    assertSnapshot(StudioRenderer.render(state, width: 80, height: 24), named: "compare-starred")
    // `s` again unstars.
    #expect(StudioReducer.update(&state, .terminal(.key(.character("s")))) == [.star("b2", false)])
  }

  @Test func discardingAsksThenDeletesTheOthersVideosAndTheirCellsSaySo() {
    var state = Given.compare(selected: 2)
    _ = StudioReducer.update(&state, .terminal(.key(.character("D"))))
    #expect(state.dialog?.title == "Discard 3 videos?")
    let effects = StudioReducer.update(&state, .terminal(.key(.character("y"))))
    #expect(effects == [.discardVideos(["b0", "b1", "b3"])])
    for index in [0, 1, 3] {
      var record = batchRecords()[index]
      record.localFile = nil
      record.videoDiscardedAt = Fixtures.now
      _ = StudioReducer.update(&state, .recordUpdated(record))
    }
    guard case .compare(let compare) = state.overlay else {
      Issue.record("no compare view")
      return
    }
    #expect(compare.sheets["b0"]?.content == .unavailable("the video was discarded"))
    #expect(compare.sheets["b2"]?.content != .unavailable("the video was discarded"))
    assertSnapshot(StudioRenderer.render(state, width: 80, height: 24), named: "compare-discarded")
    // Nothing left to discard.
    _ = StudioReducer.update(&state, .terminal(.key(.character("D"))))
    #expect(state.dialog == nil)
    #expect(state.notice?.text == "No other video to discard")
  }

  @Test func compareSnapshots() {
    assertSnapshot(StudioRenderer.render(Given.compare(), width: 80, height: 24), named: "compare-batch")
    var loading = Given.history()
    _ = StudioReducer.update(&loading, .terminal(.key(.character("C"))))
    assertSnapshot(StudioRenderer.render(loading, width: 80, height: 24), named: "compare-loading")
    // Prompt variants at 120×40: the differing words under each, three by three.
    var state = Given.history()
    _ = StudioReducer.update(&state, .terminal(.resized(width: 120, height: 40)))
    _ = StudioReducer.update(&state, .terminal(.key(.character("C"))))
    let records = (0..<9).map { index in
      var record = Fixtures.record(
        "v\(index)", .completed, prompt: "a fox at \(["dawn", "noon", "dusk"][index % 3]) in snow",
        seed: 100 + index / 3, url: "https://v/\(index).mp4", localPath: "/videos/v\(index).mp4")
      record.batchID = "0190a1b2c3d4e5f601234567"
      return record
    }
    let effects = StudioReducer.update(&state, .comparisonLoaded(records))
    for case .loadCompareSheet(let id, _, _, let count, let frame) in effects {
      let pictures = (0..<count).map {
        PreviewPicture(time: Double($0), art: syntheticArt($0, columns: frame.columns, rows: frame.rows))
      }
      _ = StudioReducer.update(&state, .previewSheet(id: id, pictures))
    }
    assertSnapshot(StudioRenderer.render(state, width: 120, height: 40), named: "compare-nine")
  }

  @Test func aStarredRowShowsItsStarInTheHistory() {
    var state = Given.history()
    _ = StudioReducer.update(
      &state,
      .rowDetails(["h1": RowDetail(resolution: "720p", frames: 96, cost: 0.32, onDisk: true, starred: true)]))
    let grid = StudioRenderer.render(state, width: 80, height: 24)
    #expect(grid.textDump().contains("★ history item 1"))
    #expect(!grid.textDump().contains("★ history item 0"))
  }

  /// A compare opened while a job's video was still downloading: its cell said so for good (the
  /// compare's records never followed the job), and a star then was lost when the job's follower
  /// saved its own copy of the record with the video. The star now waits for the video, and the
  /// cell's sheet is asked for once the video is in.
  @Test func aVideoStillDownloadingIsShownOnceItArrivesAndStarredOnlyThen() {
    var state = Given.history()
    var records = batchRecords()
    records[1].localFile = nil
    _ = StudioReducer.update(&state, .terminal(.key(.character("C"))))
    _ = StudioReducer.update(&state, .comparisonLoaded(records))
    _ = StudioReducer.update(&state, .terminal(.key(.right)))
    #expect(StudioReducer.update(&state, .terminal(.key(.character("s")))) == [])
    #expect(state.notice?.text.contains("still downloading") == true)
    let effects = StudioReducer.update(&state, .jobUpdated(batchRecords()[1]))
    #expect(
      effects.contains { effect in
        if case .loadCompareSheet(id: "b1", path: Self.path(1), _, _, _) = effect { true } else { false }
      }, "\(effects)")
    #expect(StudioReducer.update(&state, .terminal(.key(.character("s")))) == [.star("b1", true)])
  }
}
