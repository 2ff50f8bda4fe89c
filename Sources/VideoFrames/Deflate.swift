import CZlib

/// zlib's compress/uncompress and CRC-32, for PNG files and cache entries.
enum Deflate {
  /// `bytes` as a zlib stream at `level` (1: fastest, what a cache wants; 6: zlib's default).
  static func compress(_ bytes: [UInt8], level: Int32) -> [UInt8] {
    var length = compressBound(uLong(bytes.count))
    var output = [UInt8](repeating: 0, count: Int(length))
    let status = output.withUnsafeMutableBufferPointer { out in
      bytes.withUnsafeBufferPointer { compress2(out.baseAddress, &length, $0.baseAddress, uLong(bytes.count), level) }
    }
    precondition(status == Z_OK, "compress2 cannot fail with a compressBound buffer")
    return Array(output[..<Int(length)])
  }

  /// The `expected` bytes a zlib stream holds; nil when it is damaged or holds another length.
  static func decompress(_ bytes: ArraySlice<UInt8>, expected: Int) -> [UInt8]? {
    var length = uLongf(expected)
    var output = [UInt8](repeating: 0, count: expected)
    let status = output.withUnsafeMutableBufferPointer { out in
      bytes.withUnsafeBufferPointer { uncompress(out.baseAddress, &length, $0.baseAddress, uLong(bytes.count)) }
    }
    return status == Z_OK && Int(length) == expected ? output : nil
  }

  static func crc32(_ bytes: [UInt8], seed: UInt32 = 0) -> UInt32 {
    UInt32(bytes.withUnsafeBufferPointer { CZlib.crc32(uLong(seed), $0.baseAddress, uInt($0.count)) })
  }
}
