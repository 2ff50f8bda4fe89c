/// What a cell means, not how it looks: views paint roles, themes map roles to colours.
///
/// Keeping colour out of the views is what lets a theme file (or `NO_COLOR`, or a 16-colour
/// terminal) restyle everything, and lets snapshot tests check highlighting without colours.
public enum StyleRole: String, Sendable, Hashable, CaseIterable, Codable {
  case normal
  case dim
  case title
  case border
  case borderFocused = "border_focused"
  case selection
  case label
  case input
  case inputFocused = "input_focused"
  case placeholder
  case cursor
  case error
  case warning
  case success
  case accent
  case key
  case statusBar = "status_bar"
  case badgeOnline = "badge_online"
  case badgeOffline = "badge_offline"
  case progressDone = "progress_done"
  case progressTodo = "progress_todo"
  case queued
  case running
  case completed
  case failed
  case logTime = "log_time"
  case overlay

  /// One letter per role for style dumps in snapshot tests.
  public var code: Character {
    switch self {
    case .normal: " "
    case .dim: "d"
    case .title: "T"
    case .border: "b"
    case .borderFocused: "B"
    case .selection: "S"
    case .label: "l"
    case .input: "i"
    case .inputFocused: "I"
    case .placeholder: "p"
    case .cursor: "C"
    case .error: "E"
    case .warning: "W"
    case .success: "s"
    case .accent: "a"
    case .key: "k"
    case .statusBar: "="
    case .badgeOnline: "o"
    case .badgeOffline: "O"
    case .progressDone: "#"
    case .progressTodo: "-"
    case .queued: "q"
    case .running: "r"
    case .completed: "c"
    case .failed: "f"
    case .logTime: "t"
    case .overlay: "v"
    }
  }
}
