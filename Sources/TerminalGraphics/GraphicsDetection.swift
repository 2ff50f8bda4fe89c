import CChafa

/// Which graphics the terminal has, from chafa's terminal database over the environment.
///
/// chafa knows terminals by `TERM`, `TERM_PROGRAM`, `KITTY_WINDOW_ID`, `WEZTERM_*`, `LC_TERMINAL`,
/// `COLORTERM` and the like; it answers which sequences a terminal has, and the mode is the first
/// pixel protocol it has (kitty, then iTerm2, then sixel), else symbols.
///
/// Inside tmux (`TMUX` set) the studio talks to tmux, which draws no pixels itself: a pixel
/// protocol reaches the terminal outside only through tmux's passthrough, which must be allowed
/// (`allow-passthrough`, off by default). So in tmux the outer terminal is detected from what the
/// environment still says about it (tmux's own `TERM` and `TERM_PROGRAM` are set aside), and used
/// only when passthrough is allowed; otherwise symbols.
public enum GraphicsDetection {
  /// The mode to use.
  ///
  /// - Parameters:
  ///   - choice: the user's `--graphics` / config; a forced mode is used as it is.
  ///   - environment: the process environment.
  ///   - tmuxAllowsPassthrough: asked only inside tmux and only when a pixel protocol was detected
  ///     (it runs a `tmux` client: the caller decides on which thread).
  public static func mode(
    choice: GraphicsChoice, environment: [String: String], tmuxAllowsPassthrough: () -> Bool
  ) -> GraphicsMode {
    if case .forced(let mode) = choice { return mode }
    let inTmux = !(environment["TMUX"] ?? "").isEmpty
    var seen = environment
    if inTmux {
      // What tmux says of itself hides the outer terminal; a neutral TERM lets the hints the
      // outer terminal left (KITTY_WINDOW_ID, LC_TERMINAL, WEZTERM_*, …) speak.
      seen["TMUX"] = nil
      seen["TERM"] = "xterm-256color"
      if seen["TERM_PROGRAM"] == "tmux" { seen["TERM_PROGRAM"] = nil }
    }
    // chafa 1.12 knows kitty by TERM only; kitty's own variable is what survives into tmux.
    let kittyHint = !(seen["KITTY_WINDOW_ID"] ?? "").isEmpty ? GraphicsMode.kitty : nil
    guard let detected = pixelProtocol(environment: seen) ?? kittyHint else { return .symbols }
    if inTmux && !tmuxAllowsPassthrough() { return .symbols }
    return detected
  }

  /// The pixel protocol chafa's database gives this environment, if any.
  public static func pixelProtocol(environment: [String: String]) -> GraphicsMode? {
    guard ChafaSetup.ready else { return nil }
    var strings = environment.map { strdup("\($0.key)=\($0.value)") }
    strings.append(nil)
    defer { for pointer in strings { free(pointer) } }
    guard
      let info = strings.withUnsafeMutableBufferPointer({
        chafa_term_db_detect(chafa_term_db_get_default(), $0.baseAddress)
      })
    else { return nil }
    defer { chafa_term_info_unref(info) }
    if chafa_term_info_have_seq(info, CHAFA_TERM_SEQ_BEGIN_KITTY_IMMEDIATE_IMAGE_V1) != 0 { return .kitty }
    if chafa_term_info_have_seq(info, CHAFA_TERM_SEQ_BEGIN_ITERM2_IMAGE) != 0 { return .iterm }
    if chafa_term_info_have_seq(info, CHAFA_TERM_SEQ_BEGIN_SIXELS) != 0 { return .sixel }
    return nil
  }
}
