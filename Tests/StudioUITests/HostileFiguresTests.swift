import FalProtocol
import HistoryModel
import TerminalScreen
import Testing

@testable import StudioUI

/// A price of 1e17 in config.toml, or billing units of 1e19 in an old history record, used to trap
/// while drawing the first frame or a record's details; every figure is drawn, whatever its value.
@Suite struct HostileFiguresTests {
  func render(_ state: AppState) -> String {
    StudioRenderer.render(state, width: state.width, height: state.height).textDump()
  }

  @Test(arguments: [1e17, 1e308, .infinity, .nan, -0.4])
  func anyPriceDrawsTheFormAndStatusBar(_ price: Double) {
    var state = Fixtures.studio()
    state.settings.pricePerUnit[.distilled] = price
    let screen = render(state)
    #expect(screen.contains("units ·"))
  }

  @Test(arguments: [1e19, -1e19, 1e308, .nan, -40])
  func anyStoredBillingDrawsTheDetails(_ units: Double) {
    var state = Fixtures.withHistory(total: 3)
    _ = StudioReducer.update(&state, .terminal(.key(.escape)))
    _ = StudioReducer.update(&state, .terminal(.key(.character("3"))))
    _ = StudioReducer.update(&state, .terminal(.key(.enter)))
    var record = Fixtures.record("h0", .completed, url: "https://v3.fal.media/files/x.mp4")
    record.billing = .init(units: units, pricePerUnit: 0.08)
    _ = StudioReducer.update(&state, .recordLoaded(record))
    #expect(render(state).contains("units"))
  }

  @Test(arguments: ["922337203685477581", "-922337203685477581", "99999999999999999999"])
  func anyTypedFrameCountIsDrawn(_ frames: String) {
    var state = Fixtures.studio()
    state.form.frames = frames
    #expect(render(state).contains(" s"))
  }
}
