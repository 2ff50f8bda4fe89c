import Foundation

/// Request ids in the form fal uses today: UUIDv7 (48-bit Unix milliseconds, then random bits),
/// so ids sort by submission time like the live service's `019e1951-c778-7120-…`.
enum RequestID {
  static func make(at date: Date = Date()) -> String {
    var bytes = [UInt8](repeating: 0, count: 16)
    var generator = SystemRandomNumberGenerator()
    for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255, using: &generator) }
    let milliseconds = UInt64(max(0, date.timeIntervalSince1970 * 1000))
    for index in 0..<6 {
      bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (8 * UInt64(5 - index)))
    }
    bytes[6] = 0x70 | (bytes[6] & 0x0F)  // version 7
    bytes[8] = 0x80 | (bytes[8] & 0x3F)  // RFC 4122 variant
    let hex = bytes.map { String(format: "%02x", $0) }.joined()
    let characters = Array(hex)
    func slice(_ range: Range<Int>) -> String { String(characters[range]) }
    return [slice(0..<8), slice(8..<12), slice(12..<16), slice(16..<20), slice(20..<32)].joined(separator: "-")
  }
}
