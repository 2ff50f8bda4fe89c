import Foundation
import Testing

@testable import VideoFrames

/// Frame arithmetic on numbers that come from users (`preview --frame`) and from files (a probe's
/// rate and duration): out-of-range values clamp or refuse, they never trap the process.
@Suite struct VideoInfoTests {
  let info = VideoInfo(width: 64, height: 48, frameRate: 24, frameCount: 48, duration: 2)

  /// `magi-studio preview ID --frame 1e300` converted 1e300 × 24 to Int: the CLI died of a trap.
  @Test(arguments: [1e300, Double.greatestFiniteMagnitude, .infinity, 1e18])
  func aTimePastTheEndIsTheLastFrame(_ time: Double) {
    #expect(info.frameIndex(at: time) == 47)
  }

  @Test func aTimeBeforeTheStartIsTheFirstFrame() {
    #expect(info.frameIndex(at: -1e300) == 0)
    #expect(info.frameIndex(at: .nan) == 0)
  }

  /// A crafted file's rate and duration whose product is past Int's range (or not a number) make
  /// no video, not a trap.
  @Test(arguments: [
    ("2147483647/1", "9223372036854.775807"), ("24/1", "inf"), ("24/1", "nan"), ("2147483647/1", "1e300"),
  ])
  func anImpossibleFrameCountIsNoVideo(_ rate: String, _ duration: String) throws {
    let json = """
      {"streams":[{"codec_type":"video","width":64,"height":48,"avg_frame_rate":"\(rate)",\
      "r_frame_rate":"\(rate)","duration":"\(duration)"}],"format":{"format_name":"matroska,webm"}}
      """
    let report = try JSONDecoder().decode(ProbeReport.self, from: Data(json.utf8))
    #expect(report.info() == nil)
  }
}
