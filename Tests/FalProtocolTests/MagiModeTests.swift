import FalProtocol
import Testing

/// Modes by the names people use: the full name, the short one the studio shows, a prefix.
@Suite struct MagiModeTests {
  @Test(arguments: [
    ("image-to-video", MagiMode.imageToVideo), ("i2v", .imageToVideo), ("I2V", .imageToVideo), ("image", .imageToVideo),
    ("text-to-video", .textToVideo), ("t2v", .textToVideo), ("text", .textToVideo), ("te", .textToVideo),
    ("extend-video", .extendVideo), ("ext", .extendVideo), ("v2v", .extendVideo), ("extend", .extendVideo),
  ])
  func namesThePeopleUse(_ text: String, _ mode: MagiMode) {
    #expect(MagiMode(named: text) == mode)
  }

  @Test(arguments: ["", "x2v", "video-to-video", "image-to-video-2", "-"])
  func anythingElseIsNoMode(_ text: String) {
    #expect(MagiMode(named: text) == nil)
  }

  /// Every full name reads back as its mode.
  @Test func everyFullNameReadsBack() {
    for mode in MagiMode.allCases { #expect(MagiMode(named: mode.rawValue) == mode) }
  }
}
