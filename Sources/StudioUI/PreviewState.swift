import HistoryModel
import TerminalScreen

/// One frame as the studio shows it: its time in the video and its picture in cells, or, with a
/// pixel protocol, blank cells of the picture's size and the escape that draws it over them.
public struct PreviewPicture: Sendable, Hashable {
  public var time: Double
  public var art: CellArt
  /// The pixel picture over `art`'s cells (its position is set where it is drawn).
  public var pixels: PixelPlacement?

  public init(time: Double, art: CellArt, pixels: PixelPlacement? = nil) {
    self.time = time
    self.art = art
    self.pixels = pixels
  }
}

/// What a preview area holds: pictures on their way, the pictures, or why there are none.
public enum PreviewContent: Sendable, Hashable {
  case loading
  case pictures([PreviewPicture])
  /// The "no preview: …" line (a missing or corrupt video, one still downloading, no decoder).
  case unavailable(String)
}

/// The contact sheet of the record in the details view: N keyframes evenly spaced, N fitting the width.
public struct PreviewSheet: Sendable, Hashable {
  public var id: String
  /// How many frames were asked for (changes with the width, and asks again).
  public var count: Int
  public var content: PreviewContent
}

/// A video playing (or paused) in the details view or over the whole screen.
public struct Playback: Sendable, Hashable {
  public var id: String
  /// The video file (the record's local copy).
  public var path: String
  public var fullScreen: Bool
  public var paused = false
  /// The time of the frame shown (or asked for).
  public var time: Double = 0
  /// Known once the first frame arrives.
  public var duration: Double?
  public var frameRate: Double?
  public var content: PreviewContent = .loading
  /// The area the frames were asked for, in cells: a new size asks again.
  public var box: CellSize

  public init(id: String, path: String, fullScreen: Bool, box: CellSize) {
    self.id = id
    self.path = path
    self.fullScreen = fullScreen
    self.box = box
  }

  /// One frame's length in seconds (1/24 until the video says).
  public var frameDuration: Double { 1 / (frameRate ?? 24) }
}

/// A record's first and last frames, side by side (the queue's finished job).
public struct Thumbnails: Sendable, Hashable {
  public var id: String
  public var content: PreviewContent

  /// Each thumbnail's cells (16:9 at 10×20-pixel cells), plus a caption row.
  public static let frame = CellSize(columns: 16, rows: 5)
}

/// The form's source file as a thumbnail; `key` names what it shows (path and start frame), so
/// a change of either asks again.
public struct SourceThumbnail: Sendable, Hashable {
  public var key: String
  public var isVideo: Bool
  public var content: PreviewContent

  public static let frame = CellSize(columns: 16, rows: 5)
}

/// A size in cells.
public struct CellSize: Sendable, Hashable {
  public var columns: Int
  public var rows: Int

  public init(columns: Int, rows: Int) {
    self.columns = columns
    self.rows = rows
  }
}

/// Everything the studio shows of videos themselves.
public struct PreviewState: Sendable, Hashable {
  public var sheet: PreviewSheet?
  public var playback: Playback?
  /// The first and last frames of the finished job selected in the queue.
  public var thumbnails: Thumbnails?
  /// The form's source, as a thumbnail: the image an image-to-video starts from, or the frame of
  /// the video an extension continues from.
  public var source: SourceThumbnail?
  /// `p` in the history: play this record once its details are loaded.
  public var playWhenShown: PlayRequest?
  /// A compare's sheets were asked for: when the compare view goes, their decoding is stopped.
  public var comparing = false

  public struct PlayRequest: Sendable, Hashable {
    public var id: String
    public var fullScreen: Bool
  }

  public init() {}

  /// Each frame of a sheet gets this many cells (a 16:9 frame at 10×20-pixel cells), plus a line
  /// for its time; frames are a column apart.
  public static let sheetFrame = CellSize(columns: 20, rows: 6)
  /// At most this many frames, however wide the terminal.
  public static let maximumSheetCount = 8

  /// How many frames fit in `width` columns.
  public static func sheetCount(width: Int) -> Int {
    max(1, min(maximumSheetCount, (width + 1) / (sheetFrame.columns + 1)))
  }
}

extension GenerationRecord {
  /// The video file a preview can be made from, or why there is none (nil, nil: the record has
  /// no video to speak of, e.g. a failed or running job).
  var previewSource: (path: String?, missing: String?) {
    if let file = localFile { return (file.path, nil) }
    if videoDiscardedAt != nil { return (nil, "the video was discarded") }
    guard status == .completed, failure == nil else { return (nil, nil) }
    return (nil, result == nil ? "the result is not fetched yet" : "the video is still downloading")
  }
}
