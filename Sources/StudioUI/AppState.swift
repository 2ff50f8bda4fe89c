import FalProtocol
import HistoryModel

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// The three panes the studio shows side by side.
public enum Pane: String, Sendable, Hashable, CaseIterable {
  case form
  case queue
  case history

  public var title: String {
    switch self {
    case .form: "New video"
    case .queue: "Queue"
    case .history: "History"
    }
  }
}

/// What a pending `.loadRecord` is for: the action to finish once the record arrives.
public enum RecordIntent: Sendable, Hashable {
  case detail
  case rerun
  case edit
  case extend
  case copyURL
  case copyFilePath
  case reuseSeed
}

/// The whole studio as one value: `update` changes it, `StudioRenderer.render` draws it.
public struct AppState: Sendable, Hashable {
  public var width: Int
  public var height: Int
  public var now: Date
  public var online = false
  public var backendLabel = "OFFLINE emulator"
  public var themeName = "default"
  /// Themes that have a file but could not be loaded (name → why): cycling names them as broken.
  public var brokenThemes: [String: String] = [:]
  public var focus: Pane = .form
  public var form = FormState()
  public var queue = QueueState()
  public var history = HistoryState()
  public var overlay: Overlay?
  public var dialog: Dialog?
  /// The message line. Setting it logs it in ``messages`` and starts its clock: it clears after
  /// ``Notice/lifetime`` (see ``wakeIn``) or at the next key.
  public var notice: Notice? {
    didSet {
      guard let notice else { return }
      messages.append(notice, at: now)
      noticeShownAt = now
    }
  }
  /// When the notice on the message line was shown.
  public private(set) var noticeShownAt: Date?
  /// Every notice of the session (the messages view).
  public private(set) var messages = MessageLog()
  public var settings = Settings()
  /// Undo and redo for the form (see ``FormUndo``).
  public var formUndo = FormUndo()
  /// The text last cut in a field (Ctrl-U, Ctrl-K, Ctrl-W, Alt-d), which Ctrl-Y puts back: one
  /// for every field, so text can be moved from the filter to the prompt.
  public var cutText = ""
  /// The last request sent from the form and when: the same one again within
  /// ``repeatSubmitWindow`` asks first (a second Ctrl-S is more often a slip than a wish to pay twice).
  public var lastSubmit: SentRequest?
  /// The themes there are, for the palette's `theme NAME` (filled in by the wiring).
  public var themeNames: [String] = []
  /// The record being loaded and what to do with it.
  public var pendingRecord: (id: String, intent: RecordIntent)? {
    get { pending.map { ($0.id, $0.intent) } }
    set { pending = newValue.map { PendingRecord(id: $0.id, intent: $0.intent) } }
  }
  private var pending: PendingRecord?
  /// Whether the terminal has focus (from focus reports; assumed until told otherwise).
  public var terminalFocused = true
  public var quitting = false
  /// `+`: the queue's log (or the details view) fills the screen.
  public var zoomed = false
  /// Records loaded to be re-run together (a confirmed re-run of marked rows).
  public var pendingReruns: Set<String> = []
  /// A batch row's jobs being loaded to be sent again as one new batch (`r` on a batch row).
  public var batchRerun: BatchRerun?
  /// Dollars spent today (UTC) by the history's records, once worked out (`.loadSpentToday`);
  /// the status bar shows it against `budget.per_day`, and the budget questions count it.
  public var spentToday: Spend?
  /// True while a `.loadSpentToday` is out; a change meanwhile asks once more when it answers.
  public var spendLoading = false
  public var spendStale = false
  /// Jobs of this studio's batches not yet handed to the job runner (it sends at most
  /// ``BatchSubmission/maxParallel`` at once), and their estimate: no record holds
  /// them yet, so the quit question names them (quitting drops them) and the budget counts them.
  public var unsentBatchJobs = 0
  public var unsentBatchSpend = Spend.zero

  /// The records of a batch re-run, gathered as they load, in the batch's order.
  public struct BatchRerun: Sendable, Hashable {
    public var ids: [String]
    public var loaded: [String: GenerationRecord] = [:]

    public init(ids: [String]) { self.ids = ids }
  }

  /// The details view's contact sheet and playback.
  public var preview = PreviewState()

  private struct PendingRecord: Sendable, Hashable {
    var id: String
    var intent: RecordIntent
  }

  /// A request as it was sent, to recognise the same one sent again.
  public struct SentRequest: Sendable, Hashable {
    public var request: MagiRequest
    public var source: MediaInput?
    public var parentID: String?
    public var at: Date
  }

  /// How long after a submit the same request again asks before it is sent.
  public static let repeatSubmitWindow: TimeInterval = 10

  /// The smallest terminal the studio draws its panes on; below it a notice asks for more room.
  public static let minimumWidth = 60
  public static let minimumHeight = 18

  public init(width: Int = 80, height: Int = 24, now: Date = Date(timeIntervalSince1970: 0)) {
    self.width = width
    self.height = height
    self.now = now
  }

  public var isTooSmall: Bool { width < Self.minimumWidth || height < Self.minimumHeight }

  /// True while a clock on screen moves (a visible job is queued or running): only then should
  /// the loop arm its once-a-second timer and send `.tick`.
  public var needsTick: Bool {
    guard !isTooSmall, queue.activeCount > 0 else { return false }
    if zoomed { return false }
    // Help and details cover every pane: no clock is on screen behind them.
    switch overlay {
    case .help, .detail, .messages, .compare: return false
    case .palette, nil: return true
    }
  }

  /// How long the loop may sleep before it must send a `.tick`: a second while a clock moves on
  /// screen, else until the notice on the message line expires, else for good (nil: an idle
  /// studio never wakes).
  public var wakeIn: Duration? {
    if needsTick { return .seconds(1) }
    guard let notice, let shown = noticeShownAt else { return nil }
    let left = shown.addingTimeInterval(notice.lifetime).timeIntervalSince(now)
    return .milliseconds(max(1, Int((left * 1000).rounded(.up))))
  }

  /// Clears the notice once it has been shown for its lifetime (on a tick).
  mutating func expireNotice() {
    guard let notice, let shown = noticeShownAt, now.timeIntervalSince(shown) >= notice.lifetime else { return }
    self.notice = nil
    noticeShownAt = nil
  }

  /// True while keys go to a text being typed (prompt, source, history filter, palette query).
  public var isTyping: Bool {
    if case .palette = overlay { return true }
    if dialog != nil || overlay != nil { return false }
    switch focus {
    case .form: return form.editing && (form.focus.isText || form.focus.isNumber)
    case .history: return history.filterEditing
    case .queue: return false
    }
  }
}

/// Helix-style modes, shown in the status bar: NORMAL, where keys are commands, and EDIT, where
/// they type into a field, the history filter or the palette.
public enum InputMode: String, Sendable, Hashable {
  case normal = "NORMAL"
  case edit = "EDIT"
}

extension AppState {
  public var inputMode: InputMode { isTyping ? .edit : .normal }
}
