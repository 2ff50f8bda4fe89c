/// Everything a user can ask the studio to do, by name.
///
/// Keys map to commands (``KeyMap``) and the command palette lists them, so a feature added here is
/// reachable from the palette at once and from a key as soon as it gets a binding.
public enum Command: String, Sendable, Hashable, CaseIterable {
  // Focus and overlays.
  case focusNext
  case focusPrevious
  case focusForm
  case focusQueue
  case focusHistory
  case showHelp
  case showPalette
  case cycleTheme
  case saveThemeAsDefault
  case showMessages
  case toggleZoom
  case quit
  case close
  case redraw

  // Lists.
  case moveDown
  case moveUp
  case moveTop
  case moveBottom
  case pageDown
  case pageUp

  // Form.
  case submit
  case activate
  case startEditing
  case nextValue
  case previousValue
  case randomSeed
  case resetForm
  case undo
  case redo

  // Text editing.
  case editorLeft
  case editorRight
  case editorUp
  case editorDown
  case editorHome
  case editorEnd
  case editorWordLeft
  case editorWordRight
  case editorBackspace
  case editorDelete
  case editorDeleteWord
  case editorKillToStart
  case editorKillToEnd
  case editorKillWordForward
  case editorYank
  case editorEnter
  case editorDone
  case completePath

  // Queue.
  case cancelJob
  case openJob
  case showJob
  case scrollLogUp
  case scrollLogDown
  case cancelAll
  case toggleLogWrap

  // History.
  case filterHistory
  case showRecord
  case openRecord
  case rerunRecord
  case editRecord
  case extendRecord
  case copyURL
  case reuseSeed
  case deleteRecord
  case copyFilePath
  case openVideosFolder
  case cancelRecord
  case toggleMark
  case clearMarks
  case sortHistory
  case expandBatch
  case collapseBatch

  // Compare.
  case compareRecords
  case moveLeft
  case moveRight
  case starRecord
  case discardOthers

  // Previews.
  case playVideo
  case playVideoFullScreen
  case pausePlayback
  case stepForward
  case stepBackward
  case seekForward
  case seekBackward
  case togglePlaybackZoom
  case stopPlayback

  // Dialogs.
  case confirmYes
  case confirmAlternative
  case confirmNo

  /// What the help overlay and the palette call it.
  public var title: String {
    switch self {
    case .focusNext: "Focus next pane"
    case .focusPrevious: "Focus previous pane"
    case .focusForm: "Focus the form"
    case .focusQueue: "Focus the queue"
    case .focusHistory: "Focus the history"
    case .showHelp: "Show help (every key)"
    case .showPalette: "Command palette"
    case .cycleTheme: "Cycle colour theme"
    case .saveThemeAsDefault: "Save the theme as default (config.toml)"
    case .showMessages: "Messages (every notice of this session)"
    case .toggleZoom: "Zoom the log or details to the whole screen"
    case .quit: "Quit"
    case .close: "Close overlay / stop editing"
    case .redraw: "Redraw the whole screen"
    case .moveDown: "Move down"
    case .moveUp: "Move up"
    case .moveTop: "Go to the top"
    case .moveBottom: "Go to the bottom"
    case .pageDown: "Page down"
    case .pageUp: "Page up"
    case .submit: "Submit the form"
    case .activate: "Edit field / press button"
    case .startEditing: "Edit the text field"
    case .nextValue: "Next value / increase"
    case .previousValue: "Previous value / decrease"
    case .randomSeed: "Random seed"
    case .resetForm: "Reset the form (undo brings it back)"
    case .undo: "Undo the last change to the form"
    case .redo: "Redo what undo took back"
    case .editorLeft: "Caret left"
    case .editorRight: "Caret right"
    case .editorUp: "Caret up (previous field on the first line)"
    case .editorDown: "Caret down (next field on the last line)"
    case .editorHome: "Start of line"
    case .editorEnd: "End of line"
    case .editorWordLeft: "Word left"
    case .editorWordRight: "Word right"
    case .editorBackspace: "Delete before caret"
    case .editorDelete: "Delete at caret"
    case .editorDeleteWord: "Cut word before caret"
    case .editorKillToStart: "Cut to start of line (palette: clear)"
    case .editorKillToEnd: "Cut to end of line"
    case .editorKillWordForward: "Cut word after caret"
    case .editorYank: "Paste the last cut (yank)"
    case .editorEnter: "New line (prompt) / finish (one-line fields)"
    case .editorDone: "Stop editing"
    case .completePath: "Complete the source path"
    case .cancelJob: "Cancel the selected job"
    case .openJob: "Open the selected job's video"
    case .showJob: "Details of the selected job"
    case .scrollLogUp: "Scroll the log up"
    case .scrollLogDown: "Scroll the log down"
    case .cancelAll: "Cancel all jobs (asks first)"
    case .toggleLogWrap: "Wrap long log lines (toggle)"
    case .filterHistory: "Filter the history"
    case .showRecord: "Details of the history item (a batch row: open or close it)"
    case .openRecord: "Open the history item's video (or the marked ones)"
    case .rerunRecord: "Re-run the history item as is (or the marked ones)"
    case .editRecord: "Load the history item into the form"
    case .extendRecord: "Extend this video"
    case .copyURL: "Copy the video URL"
    case .reuseSeed: "Reuse the history item's seed"
    case .copyFilePath: "Copy the video's file path"
    case .openVideosFolder: "Open the videos folder"
    case .deleteRecord: "Delete the history item (or the marked ones)"
    case .cancelRecord: "Cancel the history item's job (or the marked ones)"
    case .toggleMark: "Mark / unmark the history item"
    case .clearMarks: "Unmark every history item"
    case .sortHistory: "Sort the history by date or cost"
    case .compareRecords: "Compare the marked items (or the item's batch) side by side"
    case .moveLeft: "Move left"
    case .moveRight: "Move right"
    case .starRecord: "Star / unstar the video (the winner)"
    case .discardOthers: "Discard the other videos (files deleted, records kept)"
    case .expandBatch: "Open the batch row to its jobs"
    case .collapseBatch: "Close the batch row"
    case .playVideo: "Play the video in the details view"
    case .playVideoFullScreen: "Play the video on the whole screen"
    case .pausePlayback: "Pause / resume playback"
    case .stepForward: "Next frame (pauses)"
    case .stepBackward: "Previous frame (pauses)"
    case .seekForward: "Forward 1 s"
    case .seekBackward: "Back 1 s"
    case .togglePlaybackZoom: "Playback on the whole screen / in the details view"
    case .stopPlayback: "Stop playback"
    case .confirmYes: "Yes"
    case .confirmAlternative: "Yes, and the video file too"
    case .confirmNo: "No"
    }
  }

  /// Commands that make sense from the palette (the rest are keystroke-level editing and dialog
  /// answers, which need a key in a place, not a name).
  public var inPalette: Bool {
    switch self {
    case .editorLeft, .editorRight, .editorUp, .editorDown, .editorHome, .editorEnd, .editorWordLeft,
      .editorWordRight, .editorBackspace, .editorDelete, .editorDeleteWord, .editorKillToStart, .editorKillToEnd,
      .editorKillWordForward, .editorYank, .editorEnter, .editorDone,
      .confirmYes, .confirmAlternative, .confirmNo, .close, .showPalette, .activate,
      .pausePlayback, .stepForward, .stepBackward, .seekForward, .seekBackward, .togglePlaybackZoom, .stopPlayback,
      .moveLeft, .moveRight, .starRecord, .discardOthers:
      false
    default:
      true
    }
  }
}
