import FalProtocol
import Foundation
import HistoryModel
import Testing

/// A finished text-to-video record with `input` (prompt given separately) and fal's seed.
private func record(
  _ id: String, prompt: String = "a fox", input: [String: JSONValue] = [:], seed: Int? = nil,
  mode: MagiMode = .textToVideo, model: MagiModel = .distilled, source: String? = nil
) -> GenerationRecord {
  var body = input
  body["prompt"] = .string(prompt)
  var record = GenerationRecord(
    id: id, status: .completed, mode: mode, model: model, input: .object(body),
    source: source.map { GenerationRecord.Source(given: $0, uploadedURL: "https://cdn/up.png") })
  if let seed { record.result = GenerationRecord.Output(videoURL: "https://v/\(id).mp4", seed: seed) }
  return record
}

@Suite struct RecordComparisonTests {
  @Test func aSeedBatchDiffersInItsSeedsOnly() {
    let common: [String: JSONValue] = ["num_frames": 96, "resolution": "720p", "num_inference_steps": 16]
    let comparison = RecordComparison([
      record("a", input: common, seed: 1), record("b", input: common, seed: 2), record("c", input: common, seed: 3),
    ])
    #expect(comparison.ids == ["a", "b", "c"])
    #expect(comparison.differing == ["seed"])
    #expect(comparison.values.map { $0.map(\.value) } == [["1"], ["2"], ["3"]])
    #expect(comparison.line(1) == "seed 2")
  }

  @Test func parametersAreShownByTheirShortNamesInReadingOrder() {
    let comparison = RecordComparison([
      record(
        "a", prompt: "x", input: ["num_inference_steps": 8, "resolution": "480p", "aspect_ratio": "16:9", "zeta": 1],
        seed: 5),
      record(
        "b", prompt: "y", input: ["num_inference_steps": 16, "resolution": "720p", "aspect_ratio": "9:16", "zeta": 2],
        seed: 6, model: .full),
    ])
    #expect(comparison.differing == ["prompt", "seed", "steps", "resolution", "aspect", "model", "zeta"])
    #expect(
      comparison.line(0) == "prompt x · seed 5 · steps 8 · resolution 480p · aspect 16:9 · model distilled · zeta 1")
  }

  @Test func aParameterOnlySomeRecordsHaveDiffersAndShowsAsAbsent() {
    let comparison = RecordComparison([
      record("a", input: ["num_frames": 96], seed: 1), record("b", input: [:], seed: 1),
    ])
    #expect(comparison.differing == ["frames"])
    #expect(comparison.values[1] == [RecordComparison.Value(name: "frames", value: "—")])
  }

  @Test func identicalRecordsHaveNothingThatDiffers() {
    let comparison = RecordComparison([record("a", seed: 4), record("b", seed: 4)])
    #expect(comparison.differing.isEmpty)
    #expect(comparison.line(0) == "same parameters")
  }

  @Test func theSeedFalReportsBeatsTheOneAskedForAndNoneIsRandom() {
    let asked = record("a", input: ["seed": 7])
    let reported = record("b", input: ["seed": 7], seed: 9)
    let random = record("c")
    #expect(RecordComparison.parameters(of: asked)["seed"] == "7")
    #expect(RecordComparison.parameters(of: reported)["seed"] == "9")
    #expect(RecordComparison.parameters(of: random)["seed"] == "random")
  }

  @Test func theSourceIsWhatTheUserGaveNotTheUploadedURL() {
    let parameters = RecordComparison.parameters(
      of: record("a", input: ["image_url": "https://cdn/up.png"], mode: .imageToVideo, source: "cat.png"))
    #expect(parameters["source"] == "cat.png")
    #expect(parameters["image_url"] == nil)
    let byURL = RecordComparison.parameters(
      of: record("b", input: ["video_url": "https://x/v.mp4"], mode: .extendVideo))
    #expect(byURL["source"] == "https://x/v.mp4")
  }

  @Test(arguments: [
    (JSONValue.bool(true), "on"), (.bool(false), "off"), (.double(2.0), "2"), (.double(2.5), "2.5"),
    (.array([1, 2]), "1,2"), (.null, "null"), (.object(["a": 1]), "{…}"),
  ])
  func valuesReadAsOneShortLine(value: JSONValue, shown: String) {
    #expect(RecordComparison.parameters(of: record("a", input: ["knob": value]))["knob"] == shown)
  }

  @Test func promptVariantsShowTheWordsThatDiffer() {
    #expect(
      RecordComparison.promptDifferences(["a fox at dawn in snow", "a fox at dusk in snow"]) == ["…dawn…", "…dusk…"])
    #expect(RecordComparison.promptDifferences(["red fox", "blue fox"]) == ["red…", "blue…"])
    #expect(RecordComparison.promptDifferences(["fox red", "fox blue"]) == ["…red", "…blue"])
    // Nothing in common: whole.
    #expect(RecordComparison.promptDifferences(["cat", "dog"]) == ["cat", "dog"])
    // One is the start of the other: the shorter has no middle of its own, so it shows whole.
    #expect(RecordComparison.promptDifferences(["a fox", "a fox running"]) == ["a fox", "…running"])
    #expect(RecordComparison.promptDifferences(["", "dog"]) == ["—", "dog"])
    #expect(RecordComparison.promptDifferences([]) == [])
  }

  @Test func aComparisonOfPromptsUsesTheirDifferences() {
    let comparison = RecordComparison([record("a", prompt: "a fox at dawn"), record("b", prompt: "a fox at dusk")])
    #expect(comparison.differing == ["prompt"])
    #expect(comparison.line(0) == "prompt …dawn")
  }
}

@Suite struct CompareGridTests {
  /// Every count the compare takes, in a wide terminal, a tall one and an image: each cell is
  /// inside the area, none overlap, and no layout with other columns shows pictures larger.
  @Test(arguments: RecordComparison.allowed)
  func theChosenColumnsShowThePicturesLargest(count: Int) {
    for (width, height, item, caption) in [
      (80, 22, (20, 6), 2), (200, 50, (60, 7), 2), (60, 40, (40, 7), 3), (1920, 1080, (640, 360), 40),
    ] {
      let grid = CompareGrid(count: count, width: width, height: height, item: item, caption: caption)
      #expect(grid.columns * grid.rows >= count)
      #expect(grid.columns * (grid.rows - 1) < count, "no empty last row")
      #expect(grid.width <= width && grid.height <= height)
      func scale(_ grid: CompareGrid) -> Double {
        min(Double(grid.cellWidth) / Double(item.0), Double(grid.cellHeight - caption) / Double(item.1))
      }
      for columns in 1...count {
        let other = CompareGrid(count: count, columns: columns, width: width, height: height)
        #expect(scale(other) <= scale(grid), "\(count) in \(width)×\(height): \(columns) columns beat \(grid.columns)")
      }
      var covered = Set<[Int]>()
      for index in 0..<count {
        let cell = grid.cell(index)
        #expect(cell.x >= 0 && cell.y >= 0 && cell.x + cell.width <= width && cell.y + cell.height <= height)
        for x in cell.x..<(cell.x + cell.width) where x % 7 == 0 {
          for y in cell.y..<(cell.y + cell.height) where y % 5 == 0 {
            #expect(covered.insert([x, y]).inserted, "cells overlap at \(x),\(y)")
          }
        }
      }
    }
  }

  @Test func fourWideSheetsInAnEightyColumnTerminalGoTwoByTwo() {
    let grid = CompareGrid(count: 4, width: 78, height: 20, item: (38, 6), caption: 2)
    #expect(grid.columns == 2 && grid.rows == 2)
    #expect(grid.cell(3) == CompareGrid.Cell(x: 39, y: 10, width: 38, height: 9))
  }

  @Test func twoTallPicturesGoSideBySideAndTwoWideOnesStack() {
    #expect(CompareGrid(count: 2, width: 100, height: 100, item: (9, 16)).columns == 2)
    #expect(CompareGrid(count: 2, width: 100, height: 100, item: (16, 9)).columns == 1)
  }

  @Test func ofEqualLayoutsTheOneWithFewerEmptyCellsWins() {
    // Three squares in 30×20: two columns (one cell empty) and three give 10×10 pictures alike.
    let grid = CompareGrid(count: 3, width: 30, height: 20, item: (1, 1), gap: 0)
    #expect(grid.columns == 3)
  }

  @Test func aTooSmallAreaGivesEmptyCellsRatherThanNegativeOnes() {
    let grid = CompareGrid(count: 9, width: 4, height: 2, item: (16, 9), caption: 1)
    #expect(grid.cellWidth >= 0 && grid.cellHeight >= 0)
  }

  @Test func movesRunThroughRowsAndKeepColumns() {
    // 0 1 2
    // 3 4
    let grid = CompareGrid(count: 5, columns: 3, width: 30, height: 10)
    #expect(grid.index(from: 2, moving: .right) == 3)
    #expect(grid.index(from: 4, moving: .right) == 4)
    #expect(grid.index(from: 0, moving: .left) == 0)
    #expect(grid.index(from: 3, moving: .left) == 2)
    #expect(grid.index(from: 1, moving: .down) == 4)
    #expect(grid.index(from: 2, moving: .down) == 4, "down into a short last row lands on its last item")
    #expect(grid.index(from: 4, moving: .down) == 4)
    #expect(grid.index(from: 4, moving: .up) == 1)
    #expect(grid.index(from: 1, moving: .up) == 1)
    #expect(grid.index(from: 99, moving: .left) == 3, "an index past the end counts as the last")
  }
}
