import HistoryModel

/// What covers the panes, one at a time: help, the palette, one record in detail, the session's
/// messages, or a compare.
public enum Overlay: Sendable, Hashable {
  case help(scroll: Int)
  case palette(CommandPalette)
  /// A record in full; nil while it loads.
  case detail(id: String, record: GenerationRecord?, scroll: Int)
  /// Every notice of the session; `back` counts lines scrolled up from the newest.
  case messages(back: Int)
  /// Finished records side by side, to pick the best (``CompareState``).
  case compare(CompareState)
}
