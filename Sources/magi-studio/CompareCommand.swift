import ArgumentParser
import FalProtocol
import Foundation
import HistoryStore
import StudioCore
import TerminalGraphics
import TerminalScreen
import VideoFrames

/// Compares 2 to 9 finished generations: their contact sheets in a grid, each labelled with the
/// parameters that differ between them; in the terminal, or as a PNG to share (`-o`).
struct CompareCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compare",
    abstract: "Compare 2 to 9 videos: their contact sheets in a grid with the parameters that differ (-o: a PNG).",
    discussion: """
      Give history ids (or unique prefixes), or --batch ID for a batch's completed jobs. Under each sheet: the record's id and the parameters whose values are not the same in all of them (prompt, seed, steps, resolution, …). --json prints those per record without decoding any video.
      Exit 64 for fewer than 2 or more than 9 records or an unknown id; 66 when a record has no video file.
      """)

  @Argument(help: "History ids (or unique prefixes), 2 to 9.") var ids: [String] = []
  @Option(help: ArgumentHelp("Compare the completed jobs of this batch (as `batch` prints it).", valueName: "id"))
  var batch: String?
  @Option(name: .shortAndLong, help: ArgumentHelp("Write the grid to this PNG file.", valueName: "file"))
  var output: String?
  @Flag(help: "Print each record's differing parameters as JSON Lines, and no pictures.") var json = false
  @Option(help: ArgumentHelp("Keyframes in each sheet (default: 4 with -o; as many as fit otherwise).", valueName: "n"))
  var sheet: Int?
  @Option(help: ArgumentHelp("Columns to use (default: the terminal's width).", valueName: "cols")) var width: Int?
  @Option(help: ArgumentHelp("auto, kitty, iterm, sixel, symbols or none.", valueName: "mode")) var graphics = "auto"
  @OptionGroup var store: StoreOptions

  func validate() throws {
    if batch != nil, !ids.isEmpty { throw ValidationError("give history ids or --batch, not both") }
    if let batch, GenerationRunner.batchCreated(batch) == nil {
      throw ValidationError("--batch '\(batch)' is not a batch id (24 hex digits, as `batch` prints it)")
    }
    if let sheet, !(1...12).contains(sheet) { throw ValidationError("--sheet takes 1 to 12 frames") }
    if let width, width < 20 { throw ValidationError("--width must be at least 20 columns") }
    if json, output != nil { throw ValidationError("--json prints the parameters; it cannot be written with -o") }
    if GraphicsChoice(graphics) == nil {
      throw ValidationError("--graphics must be one of \(GraphicsChoice.names.joined(separator: ", "))")
    }
  }

  func run() async throws {
    try await reportingFailures {
      let records = try await self.records()
      let comparison = RecordComparison(records)
      if json {
        for (index, record) in records.enumerated() {
          var differs: [String: JSONValue] = [:]
          for value in comparison.values[index] { differs[value.name] = .string(value.value) }
          Console.stdout(
            GenerateCommand.jsonString(
              .object(["id": .string(record.id), "starred": .bool(record.starred), "differs": .object(differs)])))
        }
        return
      }
      let videos = try records.map(Self.video)
      let cache = PreviewCache(directory: URL(fileURLWithPath: store.paths.cache).appendingPathComponent("previews"))
      let source = FrameSource()
      if let output {
        let image = try await CompareImage.make(
          records, comparison: comparison, videos: videos, frames: sheet ?? 4, source: source, cache: cache)
        do {
          try PNGEncoder.write(image, to: output)
        } catch let error as PreviewError {
          throw CommandFailure(message: error.description, code: ExitStatus.cannotCreate)
        }
        Console.line("wrote \(output) (\(image.width)×\(image.height), \(records.count) videos)")
        return
      }
      let display = try await PreviewCommand.display(
        graphics: graphics, width: width, otherwise: "give -o grid.png to write the comparison as a PNG")
      try await display.showComparison(
        records, comparison: comparison, videos: videos, frames: sheet, source: source, cache: cache)
    }
  }

  /// The records named, or the batch's completed ones (oldest first), 2 to 9 of them.
  private func records() async throws -> [GenerationRecord] {
    let (history, _) = try await LocalHistory.open(store)
    let known = await history.warnings.count
    var records: [GenerationRecord] = []
    if let batch {
      do { records = try await history.completedRecords(ofBatch: batch) } catch {
        throw CommandFailure(message: error.description, code: 1)
      }
      guard RecordComparison.allowed.contains(records.count) else {
        throw CommandFailure(
          message:
            "batch \(batch) has \(records.count) completed job\(records.count == 1 ? "" : "s"); compare takes 2 to 9",
          code: ExitStatus.invalidInput)
      }
    } else {
      guard RecordComparison.allowed.contains(ids.count) else {
        throw CommandFailure(
          message: "compare takes 2 to 9 history ids (or --batch ID), not \(ids.count)", code: ExitStatus.invalidInput)
      }
      for id in ids {
        let record = try await studio { try await history.find(id) }
        guard !records.contains(where: { $0.id == record.id }) else {
          throw CommandFailure(message: "\(id) names \(record.id) twice", code: ExitStatus.invalidInput)
        }
        records.append(record)
      }
    }
    await HistoryLookup.reportWarnings(of: history, after: known)
    return records
  }

  /// The record's video file, or the one-line reason it has none (exit 66).
  static func video(_ record: GenerationRecord) throws -> (path: String, sha256: String?) {
    if let file = record.localFile { return (file.path, file.sha256) }
    let reason =
      record.videoDiscardedAt != nil
      ? "its video was discarded" : record.awaitsVideo ? "its video is not downloaded yet" : "it has no video file"
    throw CommandFailure(
      message: "\(record.id): \(reason) (\(record.status.rawValue)); compare needs every record's video",
      code: ExitStatus.noVideo)
  }
}

/// `compare -o`: each record's contact sheet with its caption under it, the sheets in a grid laid
/// out (``CompareGrid``) to fill a 16:9 picture best.
enum CompareImage {
  static let background: (UInt8, UInt8, UInt8, UInt8) = (16, 16, 16, 255)
  /// Each keyframe fits in this many pixels; captions are drawn at twice the font's size.
  static let frameBox = PixelSize(width: 256, height: 256)
  static let captionScale = 2

  static func make(
    _ records: [GenerationRecord], comparison: RecordComparison, videos: [(path: String, sha256: String?)],
    frames: Int, source: FrameSource, cache: PreviewCache
  ) async throws -> RGBAImage {
    var tiles: [RGBAImage] = []
    for (index, video) in videos.enumerated() {
      let keyframes = try await previewing {
        try await cache.keyframes(
          of: URL(fileURLWithPath: video.path), sha256: video.sha256, count: frames, fitting: frameBox,
          source: source)
      }
      let sheet = ContactSheet.compose(keyframes.map(\.image), columns: frames, spacing: 4, background: background)
      let caption = BitmapFont.render(
        captionLines(records[index], comparison: comparison, index: index), width: sheet.width, scale: captionScale,
        inset: 4,
        background: background)
      tiles.append(BitmapFont.stack([sheet, caption], background: background))
    }
    let tile = (width: tiles.map(\.width).max() ?? 1, height: tiles.map(\.height).max() ?? 1)
    let grid = CompareGrid(count: tiles.count, width: 3840, height: 2160, item: tile, gap: 8)
    return ContactSheet.compose(tiles, columns: grid.columns, spacing: 8, background: background)
  }

  /// The record's id (starred: `*`), then one line per differing parameter, in ASCII (the font's).
  static func captionLines(_ record: GenerationRecord, comparison: RecordComparison, index: Int)
    -> [(text: String, color: (UInt8, UInt8, UInt8))]
  {
    var lines: [(text: String, color: (UInt8, UInt8, UInt8))] = [
      ((record.starred ? "* " : "") + record.id, (150, 150, 150))
    ]
    let values = comparison.values[index]
    if values.isEmpty { lines.append(("same parameters", (220, 220, 220))) }
    for value in values { lines.append(("\(value.name): \(ascii(value.value))", (235, 235, 235))) }
    return lines
  }

  /// Text the 5×7 font can draw: ASCII as it is, `…` as `..`, anything else as `?`; one line.
  static func ascii(_ text: String) -> String {
    var out = ""
    for character in text {
      if character == "…" {
        out += ".."
      } else if character.isNewline || character == "\t" {
        out += " "
      } else if let value = character.asciiValue, (32...126).contains(value) {
        out.append(character)
      } else {
        out += "?"
      }
    }
    return out
  }
}
