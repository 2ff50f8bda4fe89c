import HistoryModel
import TerminalScreen

/// Video previews: the details view's contact sheet and playback.
///
/// What is decoded follows what is on screen: after every action ``reconcilePreview(_:)`` compares
/// the details view with the previews held and asks for what is missing (a sheet for a newly shown
/// record, frames of a new size after a resize) or stops what nobody sees (the details view
/// closed). So no key, resize or closing path has to remember previews, and nothing decodes while
/// no preview is visible.
extension StudioReducer {
  static func previewCommand(_ command: Command, _ state: inout AppState) -> [Effect] {
    switch command {
    case .playVideo, .playVideoFullScreen:
      return play(fullScreen: command == .playVideoFullScreen, &state)
    case .pausePlayback:
      guard var playback = state.preview.playback else { return [] }
      playback.paused.toggle()
      state.preview.playback = playback
      if playback.paused { return [.stopPlayback] }
      return [.playPreview(id: playback.id, path: playback.path, box: playback.box, from: playback.time)]
    case .stepForward, .stepBackward:
      guard var playback = state.preview.playback else { return [] }
      let step = command == .stepForward ? playback.frameDuration : -playback.frameDuration
      playback.paused = true
      playback.time = clamped(playback.time + step, playback)
      state.preview.playback = playback
      return [
        .stopPlayback, .showPreviewFrame(id: playback.id, path: playback.path, box: playback.box, at: playback.time),
      ]
    case .seekForward, .seekBackward:
      guard var playback = state.preview.playback else { return [] }
      playback.time = clamped(playback.time + (command == .seekForward ? 1 : -1), playback)
      state.preview.playback = playback
      if playback.paused {
        return [.showPreviewFrame(id: playback.id, path: playback.path, box: playback.box, at: playback.time)]
      }
      return [.playPreview(id: playback.id, path: playback.path, box: playback.box, from: playback.time)]
    case .togglePlaybackZoom:
      state.preview.playback?.fullScreen.toggle()
      return []
    case .stopPlayback:
      guard state.preview.playback != nil else { return [] }
      state.preview.playback = nil
      return [.stopPlayback]
    default:
      return []
    }
  }

  /// `p`/`P`: in the details view, plays its video; in the history, opens the details of the
  /// selected record and plays it once loaded.
  private static func play(fullScreen: Bool, _ state: inout AppState) -> [Effect] {
    if case .detail(let id, let record, _) = state.overlay {
      guard let record else {
        state.preview.playWhenShown = PreviewState.PlayRequest(id: id, fullScreen: fullScreen)
        return []
      }
      guard let path = record.previewSource.path else {
        state.notice = Notice(
          "no preview: \(record.previewSource.missing ?? "this record has no video")", kind: .warning)
        return []
      }
      let box = PreviewLayout.pictureBox(state, fullScreen: fullScreen)
      state.preview.playback = Playback(id: id, path: path, fullScreen: fullScreen, box: box)
      return [.playPreview(id: id, path: path, box: box, from: 0)]
    }
    guard state.overlay == nil, let id = state.history.selectedSummary?.id else {
      state.notice = Notice("Select a history item first")
      return []
    }
    let effects = run(.showRecord, &state)
    state.preview.playWhenShown = PreviewState.PlayRequest(id: id, fullScreen: fullScreen)
    return effects
  }

  private static func clamped(_ time: Double, _ playback: Playback) -> Double {
    let end = max(0, (playback.duration ?? .infinity) - playback.frameDuration)
    return min(max(0, time), end)
  }

  static func previewArrived(_ action: Action, _ state: inout AppState) {
    switch action {
    case .previewSheet(let id, let pictures):
      if state.preview.sheet?.id == id { state.preview.sheet?.content = .pictures(pictures) }
    case .previewFrame(let id, let picture, let duration, let frameRate):
      guard var playback = state.preview.playback, playback.id == id else { return }
      playback.content = .pictures([picture])
      playback.time = picture.time
      playback.duration = duration
      playback.frameRate = frameRate
      state.preview.playback = playback
    case .previewSource(let key, let picture):
      if state.preview.source?.key == key { state.preview.source?.content = .pictures([picture]) }
    case .previewThumbnails(let id, let pictures):
      if state.preview.thumbnails?.id == id { state.preview.thumbnails?.content = .pictures(pictures) }
    case .previewUnavailable(let id, let reason):
      if state.preview.thumbnails?.id == id { state.preview.thumbnails?.content = .unavailable(reason) }
      if state.preview.source?.key == id { state.preview.source?.content = .unavailable(reason) }
      if state.preview.sheet?.id == id { state.preview.sheet?.content = .unavailable(reason) }
      if state.preview.playback?.id == id {
        state.preview.playback?.content = .unavailable(reason)
        state.preview.playback?.paused = true
      }
    default:
      break
    }
  }

  /// Brings the previews in line with the screen; returns what to decode or stop.
  static func reconcilePreview(_ state: inout AppState) -> [Effect] {
    let effects = reconcileDetailPreview(&state) + reconcileCompare(&state)
    return effects + reconcileThumbnails(&state) + reconcileSourceThumbnail(&state)
  }

  /// The form shows its source file (a local image, or the video to extend at its start frame)
  /// under the Submit button when there is room. Not while the path is being typed: only the
  /// path the user settles on is decoded.
  static func reconcileSourceThumbnail(_ state: inout AppState) -> [Effect] {
    let form = state.form
    guard case .file(let path, _, _) = form.mediaInput else {
      state.preview.source = nil
      return []
    }
    guard state.overlay == nil, !state.zoomed, !state.isTooSmall, PreviewLayout.sourceThumbnailArea(state) != nil,
      !(form.editing && form.focus == .source)
    else { return [] }
    let isVideo = form.mode == .extendVideo
    let startFrame = isVideo ? Int(form.startFrame) : nil
    let key = "\(path)#\(startFrame.map(String.init) ?? "end")"
    guard state.preview.source?.key != key else { return [] }
    state.preview.source = SourceThumbnail(key: key, isVideo: isVideo, content: .loading)
    return [
      .loadSourceThumbnail(key: key, path: path, isVideo: isVideo, startFrame: startFrame, frame: SourceThumbnail.frame)
    ]
  }

  /// The queue's finished job shows its first and last frames above its log, when the log has
  /// room and nothing covers it. They are kept once made (two small pictures), and asked for when
  /// another finished job is selected.
  static func reconcileThumbnails(_ state: inout AppState) -> [Effect] {
    guard state.overlay == nil, !state.zoomed, !state.isTooSmall,
      Layout(width: state.width, height: state.height).queueLog.height >= Thumbnails.frame.rows + 3,
      let job = state.queue.selected, job.status == .completed, let path = job.previewSource.path
    else { return [] }
    guard state.preview.thumbnails?.id != job.id else { return [] }
    state.preview.thumbnails = Thumbnails(id: job.id, content: .loading)
    return [.loadThumbnails(id: job.id, path: path, frame: Thumbnails.frame)]
  }

  static func reconcileDetailPreview(_ state: inout AppState) -> [Effect] {
    guard case .detail(let id, let record, _) = state.overlay, !state.isTooSmall else {
      let wasBusy = state.preview.playback != nil || state.preview.sheet?.content == .loading
      state.preview.sheet = nil
      state.preview.playback = nil
      state.preview.playWhenShown = nil
      return wasBusy ? [.stopPreviews] : []
    }
    var effects: [Effect] = []
    if let playback = state.preview.playback, playback.id != id {
      state.preview.playback = nil
      effects.append(.stopPlayback)
    }
    guard let record else { return effects }
    let source = record.previewSource
    if let wanted = state.preview.playWhenShown, wanted.id == id {
      state.preview.playWhenShown = nil
      if source.path != nil { effects += play(fullScreen: wanted.fullScreen, &state) }
    }
    // The sheet.
    if let path = source.path {
      let count = PreviewState.sheetCount(width: PreviewLayout.detailArea(state, playing: false).width)
      if state.preview.sheet?.id != id || state.preview.sheet?.count != count {
        state.preview.sheet = PreviewSheet(id: id, count: count, content: .loading)
        effects.append(
          .loadPreviewSheet(
            id: id, path: path, sha256: record.localFile?.sha256, count: count, frame: PreviewState.sheetFrame))
      }
    } else if let missing = source.missing {
      state.preview.sheet = PreviewSheet(id: id, count: 0, content: .unavailable(missing))
    } else {
      state.preview.sheet = nil
    }
    // Playback at the size of its area now.
    if var playback = state.preview.playback {
      let box = PreviewLayout.pictureBox(state, fullScreen: playback.fullScreen)
      if box != playback.box {
        playback.box = box
        state.preview.playback = playback
        effects.append(
          playback.paused
            ? .showPreviewFrame(id: playback.id, path: playback.path, box: box, at: playback.time)
            : .playPreview(id: playback.id, path: playback.path, box: box, from: playback.time))
      }
    }
    return effects
  }
}
