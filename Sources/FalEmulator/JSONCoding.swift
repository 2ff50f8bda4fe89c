import Foundation

/// One JSON style for every body the emulator writes: URLs without escaped slashes, like fal.
enum JSONCoding {
  static func encode<Value: Encodable>(_ value: Value) -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    // Every value encoded here is a plain model type; encoding cannot fail.
    return (try? encoder.encode(value)) ?? Data("null".utf8)
  }

  static func decode<Value: Decodable>(_ type: Value.Type, from data: Data) -> Value? {
    try? JSONDecoder().decode(type, from: data)
  }
}
