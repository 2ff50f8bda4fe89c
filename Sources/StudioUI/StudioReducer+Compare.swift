import HistoryModel

/// The compare view: finished records side by side (the marked rows, or the selected row's
/// batch), keys to move between them, star the winner and discard the rest.
///
/// Sheets follow the screen as the details view's do: ``reconcileCompare(_:)`` asks for every
/// record's sheet at the size its cell has now, and `.stopPreviews` once the view is gone.
extension StudioReducer {
  static func compareCommand(_ command: Command, _ state: inout AppState) -> [Effect] {
    if command == .compareRecords { return openCompare(&state) }
    guard case .compare(var compare) = state.overlay else { return [] }
    switch command {
    case .moveLeft, .moveRight, .moveUp, .moveDown:
      guard !compare.records.isEmpty else { return [] }
      let grid = CompareLayout(state, compare).grid
      let direction: CompareGrid.Direction =
        switch command {
        case .moveLeft: .left
        case .moveRight: .right
        case .moveUp: .up
        default: .down
        }
      compare.selected = grid.index(from: compare.selected, moving: direction)
      state.overlay = .compare(compare)
      return []
    case .starRecord:
      guard let record = compare.selectedRecord else { return [] }
      // The job's follower saves the record it holds once the video is in, which would drop a
      // star written meanwhile: the star waits for the video.
      guard !record.awaitsVideo else {
        state.notice = Notice("\(record.id)'s video is still downloading; star it once it is here", kind: .warning)
        return []
      }
      return [.star(record.id, !record.starred)]
    case .discardOthers:
      guard let winner = compare.selectedRecord else { return [] }
      let others = compare.records.filter { $0.id != winner.id && $0.localFile != nil }
      guard !others.isEmpty else {
        state.notice = Notice("No other video to discard")
        return []
      }
      state.dialog = Dialog(
        purpose: .discardVideos(others.map(\.id)), title: "Discard \(count(others.count, "video"))?",
        message:
          "Delete the video files of the \(count(others.count, "other result")), keeping \(winner.id)\(winner.starred ? " ★" : ""). Their records stay in the history (with their parameters, to re-run); the files cannot be brought back."
      )
      return []
    case .openRecord:
      guard let record = compare.selectedRecord else { return [] }
      return [.open(record.id)]
    default:
      return []
    }
  }

  /// `C`: the marked rows (2 to 9), or with none marked, the selected row's batch.
  private static func openCompare(_ state: inout AppState) -> [Effect] {
    let marked = state.history.marked
    let request: CompareRequest
    if !marked.isEmpty {
      guard RecordComparison.allowed.contains(marked.count) else {
        state.notice = Notice(
          "Compare takes 2 to 9 items; \(count(marked.count, "is", plural: "are")) marked", kind: .warning)
        return []
      }
      let unfinished = marked.values.filter { $0.status != .completed }.count
      guard unfinished == 0 else {
        state.notice = Notice(
          "Compare shows finished videos: \(count(unfinished, "marked item is", plural: "marked items are")) not completed",
          kind: .warning)
        return []
      }
      request = .records(state.history.targets.map(\.id))
    } else {
      guard let summary = state.history.selectedSummary else {
        state.notice = Notice("Mark 2 to 9 history items with Space, then C compares them")
        return []
      }
      request = .batchOf(summary.id)
    }
    state.overlay = .compare(CompareState(request: request))
    return [.loadComparison(request)]
  }

  /// "1 is", "3 are": `number` with the word that agrees with it.
  private static func count(_ number: Int, _ singular: String, plural: String) -> String {
    "\(number) \(number == 1 ? singular : plural)"
  }

  static func compareArrived(_ action: Action, _ state: inout AppState) {
    switch action {
    case .comparisonLoaded(let records):
      guard case .compare(var compare) = state.overlay, compare.records.isEmpty else { return }
      compare.records = records
      compare.comparison = RecordComparison(records)
      compare.selected = records.firstIndex(where: \.starred) ?? 0
      state.overlay = .compare(compare)
    case .comparisonFailed(let message):
      guard case .compare = state.overlay else { return }
      state.overlay = nil
      state.notice = Notice(message, kind: .warning)
    case .recordUpdated(let record):
      var wasStarred = state.history.details[record.id]?.starred
      if case .compare(var compare) = state.overlay,
        let index = compare.records.firstIndex(where: { $0.id == record.id })
      {
        wasStarred = compare.records[index].starred
        compare.records[index] = record
        state.overlay = .compare(compare)
      }
      if state.history.details[record.id] != nil {
        state.history.details[record.id]?.starred = record.starred
        if record.localFile == nil { state.history.details[record.id]?.onDisk = false }
      }
      if let wasStarred, wasStarred != record.starred {
        state.notice = Notice(record.starred ? "★ \(record.id) starred" : "\(record.id) unstarred", kind: .success)
      }
    default:
      break
    }
  }

  /// A job of the compare changed (its video downloaded, most often): its cell follows, and its
  /// sheet is asked for once it has a video (``reconcileCompare(_:)``).
  static func compareJobUpdated(_ record: GenerationRecord, _ state: inout AppState) {
    guard case .compare(var compare) = state.overlay,
      let index = compare.records.firstIndex(where: { $0.id == record.id })
    else { return }
    compare.records[index] = record
    state.overlay = .compare(compare)
  }

  /// A compare's sheet arrived (or could not be made): its cell shows it.
  static func compareSheetArrived(_ action: Action, _ state: inout AppState) {
    guard case .compare(var compare) = state.overlay else { return }
    switch action {
    case .previewSheet(let id, let pictures):
      guard compare.sheets[id] != nil else { return }
      compare.sheets[id]?.content = .pictures(pictures)
    case .previewUnavailable(let id, let reason):
      guard compare.sheets[id] != nil else { return }
      compare.sheets[id]?.content = .unavailable(reason)
    default:
      return
    }
    state.overlay = .compare(compare)
  }

  /// Asks for each record's sheet at its cell's size (again after a resize); a record without a
  /// video says why in its cell. Once the view is gone, stops what it started.
  static func reconcileCompare(_ state: inout AppState) -> [Effect] {
    guard case .compare(var compare) = state.overlay, !state.isTooSmall else {
      guard state.preview.comparing else { return [] }
      state.preview.comparing = false
      return [.stopPreviews]
    }
    guard !compare.records.isEmpty else { return [] }
    let layout = CompareLayout(state, compare)
    var effects: [Effect] = []
    let resized = compare.frame != layout.frame
    compare.frame = layout.frame
    for record in compare.records {
      let source = record.previewSource
      guard let path = source.path else {
        compare.sheets[record.id] = PreviewSheet(
          id: record.id, count: 0, content: .unavailable(source.missing ?? "\(record.status.rawValue): no video"))
        continue
      }
      if !resized, let sheet = compare.sheets[record.id], sheet.count == layout.count { continue }
      compare.sheets[record.id] = PreviewSheet(id: record.id, count: layout.count, content: .loading)
      effects.append(
        .loadCompareSheet(
          id: record.id, path: path, sha256: record.localFile?.sha256, count: layout.count, frame: layout.frame))
    }
    state.overlay = .compare(compare)
    if !effects.isEmpty { state.preview.comparing = true }
    return effects
  }
}
