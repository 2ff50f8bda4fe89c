import FalProtocol
import HistoryModel
import TerminalScreen

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// One record in full: every parameter, seed, timings, error, URL, local file and cost, with the
/// keys that act on it.
enum DetailView {
  static func draw(_ grid: inout ScreenGrid, _ state: AppState, id: String, record: GenerationRecord?, scroll: Int) {
    let rect =
      state.zoomed
      ? Rect(x: 0, y: 0, width: grid.width, height: grid.height - 1)
      : Rect(x: 2, y: 1, width: grid.width - 4, height: grid.height - 3)
    Box.overlay(&grid, rect, title: "Details — \(id)")
    let inner = rect.inset(by: 1)
    guard let record else {
      grid.put("Loading…", x: inner.x, y: inner.y, role: .dim)
      return
    }
    let previewHeight = PreviewLayout.detailPreviewHeight(state, id: id)
    if let playback = state.preview.playback, playback.id == id, !playback.fullScreen {
      PreviewView.drawPlayback(&grid, playback, in: PreviewLayout.detailArea(state, playing: true))
    } else if let sheet = state.preview.sheet, sheet.id == id {
      PreviewView.drawSheet(&grid, sheet, in: PreviewLayout.detailArea(state, playing: false))
    }
    let lines = self.lines(record, state: state, width: inner.width)
    let bodyHeight = max(0, inner.height - 1 - previewHeight)
    let labelWidth = min(24, (lines.map { TextWidth.of($0.label) }.max() ?? 10) + 2)
    let start = min(scroll, max(0, lines.count - bodyHeight))
    for (row, line) in lines.dropFirst(start).prefix(bodyHeight).enumerated() {
      let y = inner.y + previewHeight + row
      if line.label.isEmpty {
        grid.put(line.value, x: inner.x, y: y, role: line.role, maxWidth: inner.width)
      } else {
        grid.put(line.label, x: inner.x, y: y, role: .label, maxWidth: labelWidth - 1)
        grid.put(line.value, x: inner.x + labelWidth, y: y, role: line.role, maxWidth: inner.width - labelWidth)
      }
    }
    let hints =
      "p play  P full screen  o open  r re-run  e edit  x extend  y copy URL  s seed  d delete  + zoom  Esc close"
    grid.put(hints, x: inner.x, y: inner.maxY - 1, role: .key, maxWidth: inner.width)
  }

  struct Line {
    var label: String
    var value: String
    var role: StyleRole = .overlay
  }

  static func lines(_ record: GenerationRecord, state: AppState, width: Int) -> [Line] {
    let offset = state.settings.utcOffsetSeconds
    var lines: [Line] = []
    lines.append(
      Line(
        label: "Status", value: "\(Format.glyph(record.status)) \(record.status.rawValue)",
        role: Format.role(record.status)))
    lines.append(Line(label: "Endpoint", value: record.endpointID))
    lines.append(Line(label: "Created", value: Format.fullDate(record.createdAt, utcOffset: offset)))
    for change in record.transitions.dropFirst() {
      let after = Format.duration(change.at.timeIntervalSince(record.createdAt))
      lines.append(Line(label: " ", value: "→ \(change.status.rawValue) after \(after)", role: .dim))
    }
    let promptLines = Box.wrap(record.prompt, width: max(1, width - 24))
    for (index, text) in promptLines.enumerated() {
      lines.append(Line(label: index == 0 ? "Prompt" : " ", value: text))
    }
    let parameters = RecordParameters(record)
    lines.append(Line(label: "Seed", value: parameters.seed.map(String.init) ?? "random (not reported)"))
    if case .object(let input) = record.input {
      for key in input.keys.sorted() where key != "prompt" {
        lines.append(Line(label: "  " + key, value: describe(input[key] ?? .null)))
      }
    }
    if let source = record.source {
      lines.append(Line(label: "Source", value: source.given))
    }
    if let url = record.result?.videoURL { lines.append(Line(label: "Video URL", value: url, role: .accent)) }
    if let file = record.localFile { lines.append(Line(label: "Local file", value: file.path)) }
    if let billing = record.billing {
      var value = "\(Format.units(billing.units)) units"
      if let cost = billing.cost { value += " · \(Format.price(cost))" }
      lines.append(Line(label: "Cost", value: value))
    }
    if let requestID = record.requestID { lines.append(Line(label: "Request", value: requestID)) }
    if let parent = record.parentID { lines.append(Line(label: "Extends", value: parent)) }
    if let failure = record.failure {
      for (index, text) in Box.wrap("\(failure.type): \(failure.message)", width: max(1, width - 24)).enumerated() {
        lines.append(Line(label: index == 0 ? "Error" : " ", value: text, role: .error))
      }
    }
    if !record.logs.isEmpty {
      lines.append(Line(label: "Log", value: "(last \(record.logs.count) lines)", role: .dim))
      for entry in record.logs { lines.append(Line(label: "", value: "  " + entry.message, role: .dim)) }
    }
    return lines
  }

  static func describe(_ value: JSONValue) -> String {
    switch value {
    case .null: "null"
    case .bool(let flag): flag ? "true" : "false"
    case .int(let number): String(number)
    case .double(let number): String(number)
    case .string(let text): text
    case .array(let items): "[" + items.map(describe).joined(separator: ", ") + "]"
    case .object: "{…}"
    }
  }
}
