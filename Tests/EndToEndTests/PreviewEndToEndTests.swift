import Foundation
import TestSupport
import Testing

/// Previews in a real terminal: after a job completes in the offline twin, its details show a
/// contact sheet in coloured block symbols; `p` plays it, `q` stops, and the screen is whole.
@Suite(.serialized, .timeLimit(.minutes(5))) struct PreviewEndToEndTests {
  typealias Home = StudioEndToEndTests.Home

  /// The block symbols the studio draws pictures with.
  static let blocks = Set("▀▄▌▐█▖▗▘▝▚▞▙▛▜▟".unicodeScalars)

  static func blockCount(_ text: String) -> Int { text.unicodeScalars.filter { blocks.contains($0) }.count }

  @Test func historyDetailsShowASheetInColourAndPPlaysUntilQ() async throws {
    let home = try await Home()
    let tmux = try await TmuxSession(
      command: [StudioEndToEndTests.binary], environment: home.environment(["COLORTERM": "truecolor"]), width: 100,
      height: 40)
    try await tmux.waitFor("OFFLINE")
    try await StudioEndToEndTests().submitImageToVideo(tmux, prompt: "a lighthouse at dusk", image: home.image)
    try await tmux.waitFor("the video to be saved", timeout: .seconds(60)) { $0.contains("saved") }
    try await tmux.press("Escape")
    try await tmux.waitFor("the form to stop editing") { !$0.contains("Esc done") }
    // The form shows the image the request started from, once the path is no longer being typed.
    try await tmux.waitFor("source image")
    try await tmux.press("3")
    try await tmux.waitFor("1 item")
    try await tmux.press("Enter")
    try await tmux.waitFor("Details — ")
    // The sheet: rows of block symbols, drawn with colours (SGR 38/48 in the pane's escapes).
    try await tmux.waitFor("a contact sheet of block symbols") { $0.contains("0:00.0") && Self.blockCount($0) > 40 }
    let coloured = try await tmux.screen(escapes: true)
    #expect(coloured.contains("\u{1B}[38;") && coloured.contains("\u{1B}[48;"), "no colours in:\n\(coloured)")
    #expect(try await tmux.screen().contains("0:00.0"), "each frame has its time")
    // Playback: the picture changes by itself while it plays.
    let sheet = try await tmux.screen(escapes: true)
    try await tmux.press("p")
    try await tmux.waitFor("playback") { $0.contains("▶ ") && Self.blockCount($0) > 40 }
    // Playing: the picture changes frame after frame. Screens sampled while it plays must show
    // several distinct pictures (compared with their colours: half blocks change colours, not
    // characters) and several caption positions (the time of the frame last shown), none of them
    // the sheet. One change is not enough: a player that showed only the first frame of each pass
    // would change the screen once and then hold it.
    let picture = { (screen: String) in screen.split(separator: "\n").filter { Self.blockCount(String($0)) > 2 } }
    let position = { (screen: String) in
      screen.split(separator: "\n").first { $0.contains("▶ ") && $0.contains(" / ") }.map {
        String($0.split(separator: "/").first ?? "")
      }
    }
    var pictures: Set<[Substring]> = []
    var positions: Set<String> = []
    let played = await tmux.wait(timeout: .seconds(30)) {
      guard let now = try? await tmux.screen(escapes: true), let at = position(now) else { return false }
      let shown = picture(now)
      if shown != picture(sheet) { pictures.insert(shown) }
      positions.insert(at)
      return pictures.count >= 4 && positions.count >= 4
    }
    #expect(played, "playback showed \(pictures.count) distinct pictures at \(positions.count) positions")
    // Pause holds the picture; q stops and the details are back, whole.
    try await tmux.press("Space")
    try await tmux.waitFor("⏸")
    try await tmux.press("q")
    let after = try await tmux.waitFor("playback to stop") { !$0.contains("⏸") && !$0.contains("▶ 0:") }
    #expect(after.contains("Details — ") && after.contains("Status") && after.contains("p play"))
    try await tmux.press("Escape")
    try await tmux.waitFor("the details to close") { !$0.contains("Details — ") && $0.contains("History") }
    try await tmux.press("C-q")
    try await tmux.waitUntilExited()
    #expect(try await tmux.alternateScreenOn() == false)
  }

  /// A pixel protocol forced inside tmux (`--graphics sixel`, passthrough allowed): tmux 3.3 draws
  /// no pixels and this test has no outer terminal, so only the cells can be checked (the escapes'
  /// decisions are PixelOverlayTests'): the picture areas are blank, not symbols; the details,
  /// playback's caption and the screen after `q` are whole, with no escape text leaking into it.
  @Test func aForcedPixelProtocolLeavesTheCellsWhole() async throws {
    let home = try await Home()
    let tmux = try await TmuxSession(
      command: [StudioEndToEndTests.binary, "--graphics", "sixel"],
      environment: home.environment(["COLORTERM": "truecolor"]), width: 100, height: 40)
    _ = try await tmux.run(["set-option", "-g", "allow-passthrough", "on"])
    try await tmux.waitFor("OFFLINE")
    try await StudioEndToEndTests().submitImageToVideo(tmux, prompt: "a lighthouse at dusk", image: home.image)
    try await tmux.waitFor("the video to be saved", timeout: .seconds(60)) { $0.contains("saved") }
    try await tmux.press("Escape")
    try await tmux.waitFor("the form to stop editing") { !$0.contains("Esc done") }
    try await tmux.press("3")
    try await tmux.waitFor("1 item")
    try await tmux.press("Enter")
    let sheet = try await tmux.waitFor("the sheet's captions") { $0.contains("Details — ") && $0.contains("0:00.0") }
    #expect(Self.blockCount(sheet) == 0, "pixel pictures are not drawn as symbols:\n\(sheet)")
    try await tmux.press("p")
    try await tmux.waitFor("playback") { $0.contains("▶ ") && $0.contains(" / ") }
    try await tmux.press("q")
    let after = try await tmux.waitFor("playback to stop") { !$0.contains("▶ 0:") && $0.contains("p play") }
    for text in [sheet, after] {
      #expect(!text.contains("tmux;") && !text.contains("\"1;1;") && !text.contains("Pq"), "escape text on screen")
    }
    #expect(after.contains("Details — ") && after.contains("Status"))
    try await tmux.press("C-q")
    try await tmux.waitUntilExited()
  }
}
