import CChafa
import CChafaLoader

/// libchafa, loaded on first use, and the process-wide settings applied before the first canvas.
enum ChafaSetup {
  /// Nil once chafa is loaded and set up, else why it could not be loaded (then there are no
  /// pictures: detection reports symbols, renderers draw nothing, and the preview area says why).
  ///
  /// One worker thread: chafa otherwise starts a pool as large as the machine (glib threads,
  /// outside our thread accounting) to split a canvas that takes a millisecond or two at a
  /// terminal's size; one thread also keeps renderings deterministic.
  static let failure: String? = {
    if let failure = cchafa_load() { return String(cString: failure) }
    chafa_set_n_threads(1)
    return nil
  }()

  /// Whether chafa can be used (loaded now if it was not).
  static var ready: Bool { failure == nil }
}
