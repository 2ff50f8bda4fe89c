import Digest
import Foundation
import Testing

@testable import StudioCore

/// The streaming hash follows a download's writes: a resumed part first, a retry from the resume
/// point, a restart from byte 0; a jump it cannot follow leaves no digest rather than a wrong one.
@Suite struct DownloadDigestTests {
  static let text = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
  static let digest = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
  static let size = Int64(text.count)

  private func write(_ digest: DownloadDigest, _ range: Range<Int>) {
    Array(Self.text[range]).withUnsafeBytes { digest.wrote(at: Int64(range.lowerBound), $0) }
  }

  @Test func aResumedPartThenARetryFromTheResumePoint() async throws {
    let part = NSTemporaryDirectory() + "digest-\(UUID().uuidString).part"
    defer { unlink(part) }
    try Data(Self.text[0..<10]).write(to: URL(fileURLWithPath: part))
    let digest = DownloadDigest()
    await digest.absorbPrefix(of: part)
    write(digest, 10..<30)  // an attempt that breaks off at 30
    write(digest, 10..<40)  // its retry, from the resume point again
    write(digest, 40..<Self.text.count)
    #expect(digest.hexDigest(ofSize: Self.size) == Self.digest)
    #expect(digest.hexDigest(ofSize: Self.size - 1) == nil, "not a file of another size")
  }

  @Test func noPartStartsAtZeroAndARestartStartsOver() async {
    let digest = DownloadDigest()
    await digest.absorbPrefix(of: NSTemporaryDirectory() + "no-such-\(UUID().uuidString).part")
    write(digest, 0..<25)
    write(digest, 0..<Self.text.count)  // a 200: the whole file again
    #expect(digest.hexDigest(ofSize: Self.size) == Self.digest)
  }

  @Test func aJumpLeavesNoDigestUntilAWriteItCanFollow() {
    let digest = DownloadDigest()
    write(digest, 0..<10)
    write(digest, 20..<Self.text.count)
    #expect(digest.hexDigest(ofSize: Self.size - 10) == nil)
    #expect(digest.hexDigest(ofSize: Self.size) == nil)
    write(digest, 0..<Self.text.count)
    #expect(digest.hexDigest(ofSize: Self.size) == Self.digest)
  }
}
