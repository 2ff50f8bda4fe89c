import Digest
import Foundation
import Testing

/// SHA-256 against FIPS 180-4's known answers, fed whole and in pieces, as copies and from files.
@Suite struct SHA256Tests {
  static let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
  static let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
  static let twoBlocks = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
  static let twoBlocksText = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
  /// A million times "a".
  static let millionA = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"

  @Test func matchesTheStandardVectors() throws {
    #expect(try SHA256().hexDigest() == Self.empty)
    var abc = try SHA256()
    abc.update(Array("abc".utf8))
    #expect(abc.hexDigest() == Self.abc)
    var long = try SHA256()
    long.update(Array(Self.twoBlocksText[0..<10]))
    long.update(Array(Self.twoBlocksText[10...]))
    #expect(long.hexDigest() == Self.twoBlocks)
    #expect(long.count == Int64(Self.twoBlocksText.count))
  }

  @Test func piecesOfAnySizeGiveTheSameDigest() throws {
    let bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
    for piece in [1, 63, 64, 65, 4096, 333_333, 1_000_000] {
      var hasher = try SHA256()
      var offset = 0
      while offset < bytes.count {
        let end = min(offset + piece, bytes.count)
        hasher.update(Array(bytes[offset..<end]))
        offset = end
      }
      #expect(hasher.hexDigest() == Self.millionA, "fed in pieces of \(piece)")
    }
  }

  /// A copy is a checkpoint: feeding one leaves the other as it was, and a digest does not end
  /// the value.
  @Test func copiesAreIndependentCheckpoints() throws {
    var start = try SHA256()
    start.update(Array(Self.twoBlocksText[0..<20]))
    let checkpoint = start
    start.update(Array("garbage".utf8))
    var resumed = checkpoint
    resumed.update(Array(Self.twoBlocksText[20...]))
    #expect(resumed.hexDigest() == Self.twoBlocks)
    #expect(resumed.hexDigest() == Self.twoBlocks, "reading the digest does not change it")
    var again = checkpoint
    again.update(Array(Self.twoBlocksText[20...]))
    #expect(again.hexDigest() == Self.twoBlocks)
    #expect(start.hexDigest() != Self.twoBlocks)
  }

  @Test func filesWholeAndTheirPrefixes() throws {
    let path = NSTemporaryDirectory() + "sha256-\(UUID().uuidString)"
    defer { unlink(path) }
    try Data(Self.twoBlocksText).write(to: URL(fileURLWithPath: path))
    #expect(SHA256.hexDigest(ofFile: path) == Self.twoBlocks)
    var abcPrefix = try SHA256()
    try Data("abcdef".utf8).write(to: URL(fileURLWithPath: path))
    let readThree = abcPrefix.update(readingFile: path, length: 3)
    #expect(readThree)
    #expect(abcPrefix.hexDigest() == Self.abc)
    var tooLong = try SHA256()
    let readSeven = tooLong.update(readingFile: path, length: 7)
    #expect(!readSeven, "the file holds 6 bytes")
    #expect(SHA256.hexDigest(ofFile: path + ".missing") == nil)
  }
}
