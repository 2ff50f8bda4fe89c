import CChafa

/// Process-wide chafa settings, applied before the first canvas.
enum ChafaSetup {
  /// One worker thread: chafa otherwise starts a pool as large as the machine (glib threads,
  /// outside our thread accounting) to split a canvas that takes a millisecond or two at a
  /// terminal's size; one thread also keeps renderings deterministic.
  private static let applied: Void = chafa_set_n_threads(1)

  static func once() { _ = applied }
}
