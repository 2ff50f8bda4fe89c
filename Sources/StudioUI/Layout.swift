import TerminalScreen

/// Where everything goes on a screen of a given size; `update` uses it too (mouse hits, page
/// sizes, keeping the selection visible), so the two can never disagree.
///
/// - Below 60×18: nothing but a "too small" notice.
/// - Under 120 columns: the form on the left half; queue above history on the right.
/// - From 120 columns: three columns, form | queue | history.
/// - Always: a message line and the status bar at the bottom. Extra rows and columns go to the
///   prompt editor, the lists and the log.
public struct Layout: Sendable, Hashable {
  public var form: Rect
  public var queue: Rect
  public var history: Rect
  /// Rows of the job list inside the queue box, and of the selected job's log under it.
  public var queueList: Rect
  public var queueLog: Rect
  public var historyList: Rect
  public var messageRow: Int
  public var statusRow: Int
  public var isWide: Bool

  public static let wideThreshold = 120

  public init(width: Int, height: Int) {
    let paneHeight = max(0, height - 2)
    isWide = width >= Self.wideThreshold
    if isWide {
      let formWidth = width * 36 / 100
      let queueWidth = (width - formWidth) / 2
      form = Rect(x: 0, y: 0, width: formWidth, height: paneHeight)
      queue = Rect(x: formWidth, y: 0, width: queueWidth, height: paneHeight)
      history = Rect(x: formWidth + queueWidth, y: 0, width: width - formWidth - queueWidth, height: paneHeight)
    } else {
      let formWidth = width / 2
      let queueHeight = paneHeight / 2
      form = Rect(x: 0, y: 0, width: formWidth, height: paneHeight)
      queue = Rect(x: formWidth, y: 0, width: width - formWidth, height: queueHeight)
      history = Rect(x: formWidth, y: queueHeight, width: width - formWidth, height: paneHeight - queueHeight)
    }
    let queueInner = queue.inset(by: 1)
    if queueInner.height >= 7 {
      let listHeight = max(2, (queueInner.height - 1) / 2)
      queueList = Rect(x: queueInner.x, y: queueInner.y, width: queueInner.width, height: listHeight)
      queueLog = Rect(
        x: queueInner.x, y: queueInner.y + listHeight + 1, width: queueInner.width,
        height: queueInner.height - listHeight - 1)
    } else {
      queueList = queueInner
      queueLog = Rect(x: queueInner.x, y: queueInner.maxY, width: queueInner.width, height: 0)
    }
    let historyInner = history.inset(by: 1)
    // The first inner row shows the filter and the count.
    historyList = Rect(
      x: historyInner.x, y: historyInner.y + 1, width: historyInner.width, height: historyInner.height - 1)
    messageRow = height - 2
    statusRow = height - 1
  }

  public func rect(of pane: Pane) -> Rect {
    switch pane {
    case .form: form
    case .queue: queue
    case .history: history
    }
  }

  public func pane(atX x: Int, y: Int) -> Pane? {
    Pane.allCases.first { rect(of: $0).contains(x: x, y: y) }
  }
}
