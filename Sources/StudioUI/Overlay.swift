import HistoryStore

/// What covers the panes, one at a time: help, the palette, one record in detail, or the
/// session's messages.
public enum Overlay: Sendable, Hashable {
  case help(scroll: Int)
  case palette(CommandPalette)
  /// A record in full; nil while it loads.
  case detail(id: String, record: GenerationRecord?, scroll: Int)
  /// Every notice of the session; `back` counts lines scrolled up from the newest.
  case messages(back: Int)
}
