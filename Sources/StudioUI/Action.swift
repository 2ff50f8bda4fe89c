import FalProtocol
import HistoryModel
import TerminalScreen

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Everything that can change the studio's state: the terminal's input, and what the outside
/// world reports back (jobs, history pages, clock ticks).
public enum Action: Sendable {
  case terminal(TerminalEvent)
  /// A command by name, as the palette runs it (also handy for the lead's wiring and tests).
  case command(Command)
  /// The loop started: the first history page is asked for.
  case launched
  case tick(Date)
  /// Ctrl-C, which the terminal delivers as SIGINT: it asks before quitting with jobs running, as
  /// Ctrl-Q does; a second one, with the question on screen, quits.
  case interrupt
  case notice(String)
  /// Which server the studio talks to: fal.ai with a key, or the embedded emulator without one.
  case backend(online: Bool, label: String)
  case jobUpdated(GenerationRecord)
  case jobLogs(String, [LogEntry])
  /// A followed job's connection failed (nil: it works again); see ``QueueState/connection``.
  case jobConnection(String, ConnectionTrouble?)
  case transfer(recordID: String, TransferProgress?)
  case submitted(GenerationRecord)
  case submitFailed(SubmitFailure)
  /// Jobs of a batch leave the studio's backlog: about to be submitted (their records follow), or
  /// dropped because the batch cannot be sent.
  case batchJobsDequeued([MagiRequest])
  case pathCompletions(prefix: String, [String])
  case historyPage(HistoryPage, for: HistoryQuery)
  /// `history.jsonl` changed (this studio's jobs, a `generate` in another shell, a compaction):
  /// the rows on screen are asked for again.
  case historyChanged
  case recordLoaded(GenerationRecord)
  /// Today's spend in dollars (after `.loadSpentToday`); nil when the history could not be read
  /// (the last figure stays).
  case spentToday(Spend?)
  /// A record is gone from the history (after `.delete`), or could not be loaded.
  case recordDeleted(String)
  case recordMissing(String, message: String)
  /// The theme now in use (after `.cycleTheme`), for the status bar.
  case themeChanged(String)
  /// What the index lacks for these history rows (after `.loadRowDetails`).
  case rowDetails([String: RowDetail])
  /// A contact sheet's frames (after `.loadPreviewSheet`).
  case previewSheet(id: String, [PreviewPicture])
  /// A video's first and last frames (after `.loadThumbnails`).
  case previewThumbnails(id: String, [PreviewPicture])
  /// The form source's thumbnail (after `.loadSourceThumbnail`).
  case previewSource(key: String, PreviewPicture)
  /// One frame of a playback, with the video's length and rate (after `.playPreview`/`.showPreviewFrame`).
  case previewFrame(id: String, PreviewPicture, duration: Double, frameRate: Double)
  /// The records of a compare (after `.loadComparison`), in the order to show them.
  case comparisonLoaded([GenerationRecord])
  /// Why a compare cannot be shown, in one line (not a batch, too few or too many records).
  case comparisonFailed(String)
  /// A record changed at the user's request (starred, its video discarded).
  case recordUpdated(GenerationRecord)
  /// Why a record's video cannot be previewed, in one line (missing, corrupt, no decoder, …).
  case previewUnavailable(id: String, reason: String)
}
