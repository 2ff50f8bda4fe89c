import ArgumentParser
import CursesTerminal
import DedicatedThreads
import Foundation
import HistoryModel
import StudioCore
import TerminalGraphics
import TerminalScreen
import VideoFrames

#if canImport(Glibc)
  import Glibc
#endif

/// Shows a generation's video in the terminal: a contact sheet of keyframes (the default), one
/// frame, or playback; or writes the sheet (or frame) as a PNG with `-o`.
struct PreviewCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "preview",
    abstract: "Show a video as a contact sheet, one frame or playback in the terminal, or write a PNG sheet (-o).",
    discussion: """
      Graphics: kitty, iTerm2 or sixel where the terminal has them (chafa's terminal database), else coloured block symbols; --graphics overrides. Keyframes are cached in $XDG_CACHE_HOME/magi-studio/previews.
      Exit 66 when the record has no video, its file is missing or still downloading, or it cannot be decoded.
      """)

  @Argument(help: "History id (or a unique prefix) or fal request id.") var id: String
  @Option(
    help: ArgumentHelp("Keyframes in the contact sheet (default: as many as fit the width; 6 with -o).", valueName: "n")
  )
  var sheet: Int?
  @Flag(help: "Play the video in the terminal at its frame rate (Ctrl-C stops).") var play = false
  @Option(help: ArgumentHelp("Show the single frame at this time, in seconds.", valueName: "seconds")) var frame:
    Double?
  @Option(help: ArgumentHelp("Columns to use (default: the terminal's width).", valueName: "cols")) var width: Int?
  @Option(help: ArgumentHelp("auto, kitty, iterm, sixel, symbols or none.", valueName: "mode")) var graphics = "auto"
  @Option(
    name: .shortAndLong, help: ArgumentHelp("Write the contact sheet (or --frame) to this PNG file.", valueName: "file")
  )
  var output: String?
  @OptionGroup var store: StoreOptions

  func validate() throws {
    if let sheet, !(1...48).contains(sheet) { throw ValidationError("--sheet takes 1 to 48 frames") }
    if let width, width < 8 { throw ValidationError("--width must be at least 8 columns") }
    if let frame, frame < 0 || !frame.isFinite { throw ValidationError("--frame must be a time in seconds, 0 or more") }
    if play, frame != nil { throw ValidationError("--play and --frame cannot be combined") }
    if play, output != nil {
      throw ValidationError("--play shows the video in the terminal; it cannot be written with -o")
    }
    if GraphicsChoice(graphics) == nil {
      throw ValidationError("--graphics must be one of \(GraphicsChoice.names.joined(separator: ", "))")
    }
  }

  func run() async throws {
    try await reportingFailures {
      let record = try await HistoryLookup.find(id, store: store)
      guard let file = record.localFile else {
        throw CommandFailure(
          message: "\(record.id) has no video file (\(record.status.rawValue))", code: ExitStatus.noVideo)
      }
      let video = URL(fileURLWithPath: file.path)
      let source = FrameSource()
      let cache = PreviewCache(directory: URL(fileURLWithPath: store.paths.cache).appendingPathComponent("previews"))
      if let output {
        try await writePNG(video, sha256: file.sha256, to: output, source: source, cache: cache)
        return
      }
      let display = try await Self.display(
        graphics: graphics, width: width, otherwise: "give -o sheet.png to write the contact sheet as a PNG")
      if play {
        try await display.play(video, source: source)
      } else if let frame {
        try await display.showFrame(video, at: frame, source: source)
      } else {
        try await display.showSheet(video, sha256: file.sha256, count: sheet, source: source, cache: cache)
      }
    }
  }

  /// The sheet (or the frame) as a PNG: frames up to 320×320 pixels each, 4 pixels apart.
  private func writePNG(_ video: URL, sha256: String?, to path: String, source: FrameSource, cache: PreviewCache)
    async throws
  {
    let image: RGBAImage
    if let frame {
      image = try await previewing {
        try await source.frame(of: video, at: frame, fitting: PixelSize(width: 4096, height: 4096)).image
      }
    } else {
      let count = sheet ?? 6
      let frames = try await previewing {
        try await cache.keyframes(
          of: video, sha256: sha256, count: count, fitting: PixelSize(width: 320, height: 320), source: source)
      }
      image = ContactSheet.compose(frames.map(\.image), columns: count, spacing: 4, background: (16, 16, 16, 255))
    }
    do {
      try PNGEncoder.write(image, to: path)
    } catch {
      throw CommandFailure(message: error.description, code: ExitStatus.cannotCreate)
    }
    Console.line("wrote \(path) (\(image.width)×\(image.height))")
  }

  /// The display on standard output for `--graphics` and `--width`, or the one line saying why
  /// there is none: not a terminal (`otherwise` says what to do instead), or graphics off.
  static func display(graphics: String, width: Int?, otherwise: String) async throws -> PreviewDisplay {
    guard let terminal = OutputTerminal.current() else {
      throw CommandFailure(message: "standard output is not a terminal: \(otherwise)", code: ExitStatus.invalidInput)
    }
    let mode = await graphicsMode(graphics)
    guard mode != .none else {
      throw CommandFailure(message: "no preview: graphics are off (--graphics none)", code: ExitStatus.invalidInput)
    }
    let environment = ProcessInfo.processInfo.environment
    return PreviewDisplay(
      terminal: terminal, mode: mode, columns: width ?? terminal.columns,
      depth: PictureWriter.depth(environment: environment), inTmux: !(environment["TMUX"] ?? "").isEmpty)
  }

  /// `--graphics` as asked, or detected; inside tmux, pixel protocols only when passthrough is on
  /// (asking tmux runs a child: on a thread of its own).
  static func graphicsMode(_ graphics: String) async -> GraphicsMode {
    let environment = ProcessInfo.processInfo.environment
    let choice = GraphicsChoice(graphics) ?? .auto
    return
      (try? await DedicatedThread.run(named: "magi-graphics") {
        GraphicsDetection.mode(choice: choice, environment: environment) {
          Tmux(environment: environment)?.allowsPassthrough() ?? false
        }
      }) ?? .symbols
  }
}

/// Runs a preview step, turning a ``PreviewError`` into the command's one line and exit code.
func previewing<T>(_ body: () async throws -> T) async throws -> T {
  do {
    return try await body()
  } catch let error as PreviewError {
    throw CommandFailure(previewError: error)
  }
}

extension CommandFailure {
  init(previewError error: PreviewError) {
    switch error {
    case .decoderMissing, .cannotStart: self.init(message: error.description, code: 1)
    case .cannotWrite: self.init(message: error.description, code: ExitStatus.cannotCreate)
    case .fileMissing, .stillDownloading, .notAVideo, .unreadable:
      self.init(message: "no preview: \(error.description)", code: ExitStatus.noVideo)
    }
  }
}
