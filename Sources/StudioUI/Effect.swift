import FalProtocol
import HistoryModel

/// Work the studio asks the outside world to do. `update` only returns these; the loop performs
/// them and reports back with actions, so the UI core stays pure and every decision is testable.
public enum Effect: Sendable, Hashable {
  /// Submit a request (uploading a local source first) and follow the job; fal POSTs the result
  /// to `webhook` when there is one.
  case submit(MagiRequest, source: MediaInput?, parentID: String?, webhook: String?)
  /// Submit several jobs as one batch (one batch id on every record), at most
  /// ``BatchSubmission/maxParallel`` in flight at once, each followed as a single submit is.
  case submitBatch(BatchSubmission)
  /// Work out today's spend from the history (billed units, estimates for jobs still running) at
  /// these prices; answered with `.spentToday`.
  case loadSpentToday(pricePerUnit: [MagiModel: Double])
  case cancel(String)
  /// Fetch a page of history summaries; the runner debounces these while the user types a filter.
  case loadHistory(HistoryQuery)
  /// Fetch one record in full (answered with `.recordLoaded`).
  case loadRecord(String)
  case delete(String, removeVideo: Bool)
  /// Open the record's video (local copy, else its URL) with the system's viewer.
  case open(String)
  case copyToClipboard(String)
  case notify(title: String, body: String)
  case bell
  /// List paths starting with this prefix (answered with `.pathCompletions`).
  case completePath(String)
  case cycleTheme
  /// Switch to the theme of this name (the palette's `theme NAME`); answered with `.themeChanged`.
  case setTheme(String)
  /// Open the videos directory with the system's viewer (or say where it is, over ssh).
  case openVideosFolder
  /// Repaint every cell of the terminal (Ctrl-L): whatever else wrote to it is gone.
  case redraw
  /// Write `theme = NAME` into config.toml, keeping the rest of the file as it is.
  case saveThemeAsDefault(String)
  /// Read these records in full and report ``RowDetail``s (`.rowDetails`): resolution, frames,
  /// cost, and whether the video file is on disk.
  case loadRowDetails([String])
  /// Follow these jobs, which appeared in the history unfinished and are not in this studio's
  /// queue (another shell's `generate` without `--wait`): the state shown must come from the
  /// server, not stay as that process left it. The runner leaves alone, without a word, a job
  /// another process is following and one sent to another server.
  case adopt([String])
  /// Decode `count` keyframes of the video at `path`, evenly spaced, each drawn in at most `frame`
  /// cells; answered with `.previewSheet` or `.previewUnavailable`. A new sheet replaces the last.
  /// `sha256` (the file's, when the record has it) keys the keyframe cache.
  case loadPreviewSheet(id: String, path: String, sha256: String?, count: Int, frame: CellSize)
  /// Play the video from `from` seconds at its frame rate, looping, each frame drawn in at most
  /// `box` cells (`.previewFrame` per frame); replaces any playback.
  case playPreview(id: String, path: String, box: CellSize, from: Double)
  /// Stop playing and show the one frame at `at` seconds (paused: a step or a seek).
  case showPreviewFrame(id: String, path: String, box: CellSize, at: Double)
  /// Decode the first and the last frame of the video, each in at most `frame` cells
  /// (`.previewThumbnails` or `.previewUnavailable`).
  case loadThumbnails(id: String, path: String, frame: CellSize)
  /// Decode the form's source for its thumbnail (`.previewSource`, or `.previewUnavailable` with
  /// `key` as the id): an image as it is; a video's frame at `startFrame` (its last frame when nil).
  case loadSourceThumbnail(key: String, path: String, isVideo: Bool, startFrame: Int?, frame: CellSize)
  /// Load the records a compare shows (``CompareRequest``): answered with `.comparisonLoaded`, or
  /// `.comparisonFailed` when there are not 2 to 9 finished records.
  case loadComparison(CompareRequest)
  /// A compare cell's contact sheet: as `.loadPreviewSheet`, but one per record, side by side
  /// (answered with `.previewSheet` or `.previewUnavailable`); `.stopPreviews` ends them.
  case loadCompareSheet(id: String, path: String, sha256: String?, count: Int, frame: CellSize)
  /// Star (or unstar) a record; answered with `.recordUpdated`.
  case star(String, Bool)
  /// Delete these records' video files and keep the records (a compare's discarded results);
  /// answered with `.recordUpdated` for each and a notice.
  case discardVideos([String])
  /// Stop playing (pause or stop); the frame on screen stays.
  case stopPlayback
  /// Stop every preview's decoding: no preview is on screen any more.
  case stopPreviews
  case quit
}
