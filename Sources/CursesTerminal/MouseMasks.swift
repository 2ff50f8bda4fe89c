import CNcursesw
import TerminalScreen

/// ncurses' mouse button bits (function-like macros in C, read through the shim) and the mapping
/// from a `getmouse` button state to a ``MouseEvent``. Pure once the masks are known.
struct MouseMasks: Sendable, Hashable {
  var press: mmask_t
  var release: mmask_t
  var scrollUp: mmask_t
  var scrollDown: mmask_t

  static let ncurses = MouseMasks(
    press: cncursesw_button1_pressed(), release: cncursesw_button1_released(),
    scrollUp: cncursesw_button4_pressed(), scrollDown: cncursesw_button5_pressed())

  /// The event for `buttons` at (x, y), or nil for buttons the studio does not use.
  func event(buttons: mmask_t, x: Int, y: Int) -> MouseEvent? {
    let kind: MouseEvent.Kind
    if buttons & scrollUp != 0 {
      kind = .scrollUp
    } else if buttons & scrollDown != 0 {
      kind = .scrollDown
    } else if buttons & press != 0 {
      kind = .press
    } else if buttons & release != 0 {
      kind = .release
    } else {
      return nil
    }
    return MouseEvent(kind: kind, x: x, y: y)
  }
}
