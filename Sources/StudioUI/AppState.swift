#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HistoryModel

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
  case reuseSeed
}

/// The whole studio as one value: `update` changes it, `StudioView.render` draws it.
public struct AppState: Sendable, Hashable {
  public var width: Int
  public var height: Int
  public var now: Date
  public var online = false
  public var backendLabel = "OFFLINE emulator"
  public var themeName = "default"
  public var focus: Pane = .form
  public var form = FormState()
  public var queue = QueueState()
  public var history = HistoryState()
  public var overlay: Overlay?
  public var dialog: Dialog?
  public var notice: Notice?
  public var settings = Settings()
  /// The record being loaded and what to do with it.
  public var pendingRecord: (id: String, intent: RecordIntent)? {
    get { pending.map { ($0.id, $0.intent) } }
    set { pending = newValue.map { PendingRecord(id: $0.id, intent: $0.intent) } }
  }
  private var pending: PendingRecord?
  /// Whether the terminal has focus (from focus reports; assumed until told otherwise).
  public var terminalFocused = true
  public var quitting = false

  private struct PendingRecord: Sendable, Hashable {
    var id: String
    var intent: RecordIntent
  }

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
    // Help and details cover every pane: no clock is on screen behind them.
    switch overlay {
    case .help, .detail: return false
    case .palette, nil: return true
    }
  }

  /// True while keys go to a text being typed (prompt, source, history filter, palette query).
  public var isTyping: Bool {
    if case .palette = overlay { return true }
    if dialog != nil || overlay != nil { return false }
    switch focus {
    case .form: return form.editing && form.focus.isText
    case .history: return history.filterEditing
    case .queue: return false
    }
  }
}
