/// Why a video cannot be previewed, in one line a placeholder ("no preview: …") or the CLI can show.
public enum PreviewError: Error, Sendable, Hashable, CustomStringConvertible {
  /// `magi-decode` is neither beside the running executable nor on `PATH`.
  case decoderMissing
  /// No file at the path.
  case fileMissing(path: String)
  /// The file is a download still in progress (a `.part` file, or one with its `.part` beside it).
  case stillDownloading(path: String)
  /// The decoder reads the file but finds no video stream in it (an image, audio, text).
  case notAVideo(path: String)
  /// The decoder cannot read or decode it (truncated, corrupt, unreadable); `reason` is its last line.
  case unreadable(path: String, reason: String)
  /// A process or thread could not be started (the system's limits, or libav missing).
  case cannotStart(String)
  /// A PNG or cache file could not be written.
  case cannotWrite(path: String, reason: String)

  public var description: String {
    switch self {
    case .decoderMissing: "magi-decode is not installed (looked in MAGI_STUDIO_DECODER, beside magi-studio and on PATH)"
    case .fileMissing(let path): "video file is missing: \(path)"
    case .stillDownloading(let path): "video is still downloading: \(path)"
    case .notAVideo(let path): "not a video: \(path)"
    case .unreadable(let path, let reason): "cannot read video \(path): \(reason)"
    case .cannotStart(let what): "cannot start \(what)"
    case .cannotWrite(let path, let reason): "cannot write \(path): \(reason)"
    }
  }
}
