import Testing

@testable import TerminalScreen

/// The one colour pipeline: theme colours reduced to what the terminal shows, and the depth.
@Suite struct ColorPlannerTests {
  /// rgb goes to the 6×6×6 cube or the grey ramp, whichever is closer, never to the user-themed 0–15.
  @Test(
    arguments: [
      ((255, 0, 0), 196), ((0, 0, 0), 16), ((255, 255, 255), 231), ((128, 128, 128), 244), ((8, 8, 8), 232),
      ((95, 135, 175), 67), ((100, 100, 100), 241), ((0x89, 0xB4, 0xFA), 111), ((238, 238, 238), 255),
    ] as [((UInt8, UInt8, UInt8), UInt8)])
  func rgbBecomesTheNearestXtermCubeOrGrey(rgb: (UInt8, UInt8, UInt8), index: UInt8) {
    #expect(ColorPlanner.reduce(.rgb(rgb.0, rgb.1, rgb.2), to: .indexed256) == .palette(index))
  }

  /// The nearest of the 240 really is the nearest: no fixed colour is closer, for a spread of colours.
  @Test func nearest256HasNoCloserColour() {
    func distance(_ a: (UInt8, UInt8, UInt8), _ b: (UInt8, UInt8, UInt8)) -> Int {
      let d = (Int(a.0) - Int(b.0), Int(a.1) - Int(b.1), Int(a.2) - Int(b.2))
      return d.0 * d.0 + d.1 * d.1 + d.2 * d.2
    }
    for r in stride(from: 0, through: 255, by: 17) {
      for g in stride(from: 3, through: 255, by: 23) {
        for b in stride(from: 7, through: 255, by: 29) {
          let color = (UInt8(r), UInt8(g), UInt8(b))
          let chosen = distance(ColorPlanner.rgb(ofIndexed: ColorPlanner.nearest256(color)), color)
          let best = (16...255).map { distance(ColorPlanner.rgb(ofIndexed: UInt8($0)), color) }.min()!
          #expect(chosen == best, "\(color)")
        }
      }
    }
  }

  @Test func paletteColoursAreKeptAt256() {
    #expect(ColorPlanner.reduce(.ansi(3), to: .indexed256) == .palette(3))
    #expect(ColorPlanner.reduce(.indexed(42), to: .indexed256) == .palette(42))
    #expect(ColorPlanner.reduce(.default, to: .indexed256) == .default)
    #expect(ColorPlanner.reduce(.rgb(1, 2, 3), to: .truecolor) == .rgb(1, 2, 3))
  }

  /// Pastels keep their hue (a green "completed" stays green), greys go by lightness.
  @Test(arguments: [
    (TerminalColor.rgb(0xA6, 0xE3, 0xA1), UInt8(10)), (.rgb(0x40, 0xA0, 0x2B), 2), (.rgb(0xF3, 0x8B, 0xA8), 9),
    (.rgb(0xB3, 0x12, 0x2E), 1), (.rgb(0x89, 0xB4, 0xFA), 12), (.rgb(0x1E, 0x55, 0xC8), 4),
    (.rgb(0xF9, 0xE2, 0xAF), 11),
    (.rgb(0xCB, 0xA6, 0xF7), 12), (.rgb(0x94, 0xE2, 0xD5), 14), (.rgb(0x1E, 0x1E, 0x2E), 0),
    (.rgb(0x31, 0x32, 0x44), 8),
    (.rgb(0x6C, 0x70, 0x86), 8), (.rgb(0xCD, 0xD6, 0xF4), 7), (.rgb(255, 255, 255), 15), (.rgb(0, 0, 230), 4),
    (.indexed(9), 9), (.indexed(4), 4), (.indexed(196), 1), (.indexed(231), 15), (.indexed(244), 8), (.ansi(3), 3),
  ])
  func colourBecomesTheNearestANSIByHueAndLightness(color: TerminalColor, ansi: UInt8) {
    #expect(ColorPlanner.reduce(color, to: .ansi16) == .palette(ansi), "\(color)")
  }

  /// Monochrome keeps attributes only; a role marked by its background gets reverse to stay
  /// visible, but large areas (an overlay) are not inverted.
  @Test func monochromeReversesOnlyTheRolesMarkedByABackground() {
    let filled = RoleStyle(foreground: .ansi(15), background: .rgb(0, 0, 238))
    #expect(
      ColorPlanner.plan(filled, role: .selection, depth: .monochrome)
        == PlannedStyle(foreground: .default, background: .default, attributes: [.reverse]))
    #expect(ColorPlanner.plan(filled, role: .overlay, depth: .monochrome).attributes == [])
    let error = RoleStyle(foreground: .ansi(1), attributes: [.bold])
    #expect(ColorPlanner.plan(error, role: .error, depth: .monochrome).attributes == [.bold])
  }

  /// On an eight-colour terminal, bright foregrounds become bold normal colours.
  @Test func eightColourTerminalsUseBoldAsBright() {
    let planned = ColorPlanner.plan(
      RoleStyle(foreground: .ansi(9), background: .ansi(12)), role: .normal, depth: .ansi16, colors: 8)
    #expect(planned == PlannedStyle(foreground: .palette(1), background: .palette(4), attributes: [.bold]))
  }

  /// NO_COLOR wins; COLORTERM=truecolor needs a direct-colour entry; otherwise COLORS decides.
  @Test func depthDetection() {
    let detect = ColorPlanner.detectDepth
    #expect(detect(["NO_COLOR": "1", "COLORTERM": "truecolor"], true, 1 << 24, true) == .monochrome)
    #expect(detect(["NO_COLOR": ""], true, 256, false) == .indexed256)
    #expect(detect(["COLORTERM": "truecolor"], true, 256, false) == .indexed256)
    #expect(detect(["COLORTERM": "24bit"], true, 1 << 24, true) == .truecolor)
    #expect(detect([:], true, 1 << 24, true) == .indexed256)
    #expect(detect([:], true, 16, false) == .ansi16)
    #expect(detect([:], true, 8, false) == .ansi16)
    #expect(detect([:], true, 2, false) == .monochrome)
    #expect(detect([:], false, 0, false) == .monochrome)
  }

  @Test func aForcedDepthIsCappedByWhatTheTerminalCanDraw() {
    #expect(ColorPlanner.maximumDepth(hasColors: true, colors: 256, directColor: false) == .indexed256)
    #expect(ColorPlanner.maximumDepth(hasColors: true, colors: 256, directColor: true) == .truecolor)
    #expect(ColorPlanner.maximumDepth(hasColors: false, colors: 0, directColor: false) == .monochrome)
  }
}
