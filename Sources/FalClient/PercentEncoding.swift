/// RFC 3986 percent-encoding, without Foundation's URL machinery (which pulls in the networking stack).
enum PercentEncoding {
  private static let unreserved: Set<UInt8> = Set(
    Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8))

  static func encodeQueryValue(_ value: String) -> String { encode(value, keeping: unreserved) }

  static func encodePathSegment(_ value: String) -> String {
    encode(value, keeping: unreserved.union(Array("!$&'()*+,;=:@".utf8)))
  }

  private static func encode(_ value: String, keeping allowed: Set<UInt8>) -> String {
    var result = ""
    for byte in value.utf8 {
      if allowed.contains(byte) {
        result.unicodeScalars.append(Unicode.Scalar(byte))
      } else {
        let hex = String(byte, radix: 16, uppercase: true)
        result += "%" + (hex.count == 1 ? "0" + hex : hex)
      }
    }
    return result
  }
}
