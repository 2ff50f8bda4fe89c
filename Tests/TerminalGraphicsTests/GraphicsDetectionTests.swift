import TerminalGraphics
import TerminalScreen
import Testing

@Suite struct GraphicsDetectionTests {
  @Test func choicesParse() {
    #expect(GraphicsChoice("auto") == .auto)
    #expect(GraphicsChoice("Kitty") == .forced(.kitty))
    #expect(GraphicsChoice("symbols") == .forced(.symbols))
    #expect(GraphicsChoice("none") == .forced(.none))
    #expect(GraphicsChoice("sixels") == nil)
  }

  @Test func terminalsFromTheEnvironment() {
    let never: () -> Bool = {
      Issue.record("tmux asked outside tmux")
      return false
    }
    #expect(
      GraphicsDetection.mode(
        choice: .auto, environment: ["TERM": "xterm-kitty", "KITTY_WINDOW_ID": "1"], tmuxAllowsPassthrough: never)
        == .kitty)
    #expect(
      GraphicsDetection.mode(choice: .auto, environment: ["TERM": "foot"], tmuxAllowsPassthrough: never) == .sixel)
    #expect(
      GraphicsDetection.mode(choice: .auto, environment: ["TERM_PROGRAM": "iTerm.app"], tmuxAllowsPassthrough: never)
        == .iterm)
    #expect(
      GraphicsDetection.mode(choice: .auto, environment: ["TERM": "xterm-256color"], tmuxAllowsPassthrough: never)
        == .symbols)
    #expect(
      GraphicsDetection.mode(choice: .auto, environment: ["TERM": "linux"], tmuxAllowsPassthrough: never) == .symbols)
  }

  @Test func forcedModeIsUsedAsItIs() {
    #expect(
      GraphicsDetection.mode(choice: .forced(.sixel), environment: ["TERM": "linux"], tmuxAllowsPassthrough: { false })
        == .sixel)
    #expect(
      GraphicsDetection.mode(
        choice: .forced(.none), environment: ["TERM": "xterm-kitty"], tmuxAllowsPassthrough: { true }) == .none)
  }

  /// In tmux, the outer terminal's protocol only with passthrough allowed; plain tmux is symbols.
  @Test func insideTmux() {
    let kittyInTmux = [
      "TMUX": "/tmp/tmux-1/default,1,0", "TERM": "tmux-256color", "TERM_PROGRAM": "tmux", "KITTY_WINDOW_ID": "3",
    ]
    #expect(GraphicsDetection.mode(choice: .auto, environment: kittyInTmux, tmuxAllowsPassthrough: { true }) == .kitty)
    #expect(
      GraphicsDetection.mode(choice: .auto, environment: kittyInTmux, tmuxAllowsPassthrough: { false }) == .symbols)
    let itermInTmux = [
      "TMUX": "/tmp/tmux-1/default,1,0", "TERM": "screen-256color", "TERM_PROGRAM": "tmux", "LC_TERMINAL": "iTerm2",
    ]
    #expect(GraphicsDetection.mode(choice: .auto, environment: itermInTmux, tmuxAllowsPassthrough: { true }) == .iterm)
    let plainTmux = ["TMUX": "/tmp/tmux-1/default,1,0", "TERM": "tmux-256color", "TERM_PROGRAM": "tmux"]
    #expect(GraphicsDetection.mode(choice: .auto, environment: plainTmux, tmuxAllowsPassthrough: { true }) == .symbols)
  }

  @Test func fitKeepsTheShape() {
    // 16:9 at 10×20 cells: 40 rows would need 142 columns; 120 columns give 34 rows.
    let fit = PictureFit.cells(for: PixelSize(width: 1280, height: 720), maxColumns: 120, maxRows: 40)
    #expect(fit.columns == 120 && fit.rows == 34)
    let tall = PictureFit.cells(for: PixelSize(width: 720, height: 1280), maxColumns: 120, maxRows: 40)
    #expect(tall.rows == 40 && tall.columns == 45)
    #expect(PictureFit.cells(for: PixelSize(width: 10, height: 10), maxColumns: 0, maxRows: 4) == (0, 0))
  }
}
