import HistoryModel

/// What covers the panes, one at a time: help, the palette, or one record in detail.
public enum Overlay: Sendable, Hashable {
  case help(scroll: Int)
  case palette(CommandPalette)
  /// A record in full; nil while it loads.
  case detail(id: String, record: GenerationRecord?, scroll: Int)
}
