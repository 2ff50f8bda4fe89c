import FalProtocol

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

#if canImport(Glibc)
  import Glibc
#endif

/// One line of `history.jsonl`: how it is written, and how its head is read back without a decoder.
///
/// A record line starts with its index fields in a fixed order, then the rest with sorted keys:
///
///     {"v":1,"id":"…","created":"…","updated":"…","status":"…","mode":"…","model":"…","prompt":"…","endpoint":…}
///
/// (with `"awaiting_video":true` before `"prompt"` for a finished job whose video is not saved yet),
/// and a delete is a tombstone line `{"v":1,"id":"…","deleted":"…"}`. The fixed head is what lets
/// ``scanHead(_:)`` index 100,000 lines by reading a couple of hundred bytes of each; a line that does
/// not start that way (edited by hand, written by a future release) goes through `JSONDecoder`.
enum HistoryLine {
  /// The format version written in every line as `"v"`; a later release migrates older lines.
  static let version = GenerationRecord.formatVersion

  /// The index fields of a record line other than its id and prompt: plain values.
  struct Fields: Sendable, Hashable {
    var created: Int64
    var updated: Int64
    var status: GenerationStatus
    var mode: MagiMode
    var model: MagiModel
    /// ``GenerationRecord/awaitsVideo``.
    var awaitsVideo = false
  }

  /// The index fields of a record line.
  struct Head: Sendable, Hashable {
    var fields: Fields
    var id: String
    var prompt: String
  }

  /// Where a string of a head is: bytes of the line itself (a string without escapes, the usual
  /// case), or bytes decoded into a scratch buffer.
  enum Text: Hashable {
    case line(Range<Int>)
    case decoded(Range<Int>)

    /// The same text with a `.line` range moved by `distance` (from the line to its block).
    func shifted(by distance: Int) -> Text {
      guard case .line(let range) = self else { return self }
      return .line((range.lowerBound + distance)..<(range.upperBound + distance))
    }
  }

  /// A head as the index scanner reads it: no strings made.
  enum RawHead: Hashable {
    case record(Fields, id: Text, prompt: Text)
    case tombstone(id: Text)
  }

  enum Parsed: Sendable, Hashable {
    case record(Head)
    case tombstone(id: String)
  }

  // MARK: Writing

  static func encoder() -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .custom { date, encoder in
      var container = encoder.singleValueContainer()
      try container.encode(Timestamp.format(date))
    }
    return encoder
  }

  static func decoder() -> JSONDecoder {
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .custom { decoder in
      let container = try decoder.singleValueContainer()
      let text = try container.decode(String.self)
      guard let milliseconds = Timestamp.parse(text) else {
        throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO 8601 time: \(text)")
      }
      return Timestamp.date(milliseconds: milliseconds)
    }
    return decoder
  }

  /// Encodes everything but the head with sorted keys, to be spliced after the head.
  private struct Body: Encodable {
    var record: GenerationRecord
    func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: GenerationRecord.CodingKeys.self)
      try record.encodeBody(into: &container)
    }
  }

  /// The record as one line, without the trailing newline.
  static func encode(_ record: GenerationRecord, with encoder: JSONEncoder) throws -> [UInt8] {
    let body = try encoder.encode(Body(record: record))
    var line: [UInt8] = []
    line.reserveCapacity(body.count + record.prompt.utf8.count + 200)
    line.append(contentsOf: #"{"v":"#.utf8)
    line.append(contentsOf: String(version).utf8)
    field("id", record.id, into: &line)
    field("created", Timestamp.format(record.createdAt), into: &line)
    field("updated", Timestamp.format(record.updatedAt), into: &line)
    field("status", record.status.rawValue, into: &line)
    field("mode", record.mode.rawValue, into: &line)
    field("model", record.model.rawValue, into: &line)
    // Written only when true: lines from before it existed read as false.
    if record.awaitsVideo { line.append(contentsOf: #","awaiting_video":true"#.utf8) }
    field("prompt", record.prompt, into: &line)
    if body.count > 2 {
      line.append(UInt8(ascii: ","))
      line.append(contentsOf: body.dropFirst())
    } else {
      line.append(UInt8(ascii: "}"))
    }
    return line
  }

  static func tombstone(id: String, at date: Date) -> [UInt8] {
    var line: [UInt8] = Array(#"{"v":"#.utf8)
    line.append(contentsOf: String(version).utf8)
    field("id", id, into: &line)
    field("deleted", Timestamp.format(date), into: &line)
    line.append(UInt8(ascii: "}"))
    return line
  }

  private static func field(_ key: String, _ value: String, into line: inout [UInt8]) {
    line.append(UInt8(ascii: ","))
    line.append(UInt8(ascii: "\""))
    line.append(contentsOf: key.utf8)
    line.append(contentsOf: #"":"#.utf8)
    appendQuoted(value, to: &line)
  }

  /// JSON string escaping as RFC 8259 requires it: quote, backslash and control characters.
  static func appendQuoted(_ value: String, to line: inout [UInt8]) {
    let hex: [UInt8] = Array("0123456789abcdef".utf8)
    line.append(UInt8(ascii: "\""))
    for byte in value.utf8 {
      switch byte {
      case UInt8(ascii: "\""): line.append(contentsOf: #"\""#.utf8)
      case UInt8(ascii: "\\"): line.append(contentsOf: #"\\"#.utf8)
      case 0x0A: line.append(contentsOf: #"\n"#.utf8)
      case 0x0D: line.append(contentsOf: #"\r"#.utf8)
      case 0x09: line.append(contentsOf: #"\t"#.utf8)
      case 0..<0x20:
        line.append(contentsOf: #"\u00"#.utf8)
        line.append(hex[Int(byte >> 4)])
        line.append(hex[Int(byte & 0xF)])
      default: line.append(byte)
      }
    }
    line.append(UInt8(ascii: "\""))
  }

  // MARK: Reading

  /// Reads the fixed head of a line written by ``encode(_:with:)`` or ``tombstone(id:at:)``; nil when
  /// the line does not start exactly that way (the caller then falls back to a full decode).
  ///
  /// This reads only the head; ``isComplete(_:)`` checks that the rest of the line is whole.
  static func scanHead(_ line: UnsafeRawBufferPointer) -> Parsed? {
    var scratch: [UInt8] = []
    guard let raw = scanRawHead(line, scratch: &scratch) else { return nil }
    func string(_ text: Text) -> String {
      switch text {
      case .line(let range): String(decoding: UnsafeRawBufferPointer(rebasing: line[range]), as: UTF8.self)
      case .decoded(let range): String(decoding: scratch[range], as: UTF8.self)
      }
    }
    switch raw {
    case .record(let fields, let id, let prompt):
      return .record(Head(fields: fields, id: string(id), prompt: string(prompt)))
    case .tombstone(let id):
      return .tombstone(id: string(id))
    }
  }

  /// ``scanHead(_:)`` without making strings: the id and prompt are ranges of `line`, or of
  /// `scratch` (appended to) when they hold escapes. Both are valid UTF-8 when this returns.
  static func scanRawHead(_ line: UnsafeRawBufferPointer, scratch: inout [UInt8]) -> RawHead? {
    var cursor = Cursor(bytes: line)
    guard cursor.literal(#"{"v":"#), cursor.integer() == version, cursor.literal(#","id":"#),
      let id = cursor.text(scratch: &scratch)
    else { return nil }
    if cursor.literal(#","deleted":"#) {
      guard cursor.timestamp() != nil, cursor.literal("}"), cursor.atEnd else { return nil }
      return .tombstone(id: id)
    }
    guard cursor.literal(#","created":"#), let created = cursor.timestamp(),
      cursor.literal(#","updated":"#), let updated = cursor.timestamp(),
      cursor.literal(#","status":"#), let status = cursor.name(in: Names.statuses),
      cursor.literal(#","mode":"#), let mode = cursor.name(in: Names.modes),
      cursor.literal(#","model":"#), let model = cursor.name(in: Names.models)
    else { return nil }
    let awaitsVideo = cursor.literal(#","awaiting_video":true"#)
    guard cursor.literal(#","prompt":"#), let prompt = cursor.text(scratch: &scratch),
      cursor.literal(",") || cursor.literal("}")
    else { return nil }
    let fields = Fields(
      created: created, updated: updated, status: status, mode: mode, model: model, awaitsVideo: awaitsVideo)
    return .record(fields, id: id, prompt: prompt)
  }

  /// The version, id and tombstone mark of a line in any key order: the slow path's first look.
  private struct Probe: Decodable {
    var v: Int?
    var id: String?
    var deleted: Date?
  }

  enum FullDecode {
    case line(Parsed)
    /// Written by a newer release: not corrupt, not ours to read or to compact away.
    case future(version: Int)
    case invalid
  }

  /// Decodes a line in full with `JSONDecoder`: the path for lines not in the fixed form.
  static func decodeFully(_ line: UnsafeRawBufferPointer, with decoder: JSONDecoder) -> FullDecode {
    let data = Data(line)
    guard let probe = try? decoder.decode(Probe.self, from: data), let id = probe.id else { return .invalid }
    if let version = probe.v, version > self.version { return .future(version: version) }
    if probe.deleted != nil { return .line(.tombstone(id: id)) }
    guard let record = try? decoder.decode(GenerationRecord.self, from: data) else { return .invalid }
    return .line(.record(head(of: record)))
  }

  static func head(of record: GenerationRecord) -> Head {
    let fields = Fields(
      created: Timestamp.milliseconds(record.createdAt), updated: Timestamp.milliseconds(record.updatedAt),
      status: record.status, mode: record.mode, model: record.model, awaitsVideo: record.awaitsVideo)
    return Head(fields: fields, id: record.id, prompt: record.prompt)
  }

  /// True when the line is one whole JSON object: strings closed, brackets balanced, nothing after,
  /// and no raw control byte (a NUL-filled gap left by a crash shows up as one).
  ///
  /// A crash or a full disk can cut a line anywhere; a cut line whose head is intact would otherwise
  /// shadow the older, whole snapshot of the same record. This is a structural check, not a parse:
  /// one pass over the bytes with a few comparisons each.
  static func isComplete(_ line: UnsafeRawBufferPointer) -> Bool {
    guard let start = line.baseAddress, line.count >= 2 else { return false }
    let end = start + line.count
    var cursor = start
    var depth = 0
    while cursor < end {
      let byte = cursor.load(as: UInt8.self)
      switch byte {
      case 0x22:
        cursor += 1
        // Inside a string: only a quote, a backslash or a control byte matter.
        while true {
          // Eight bytes at a time, straight to the next byte that matters: prompts, URLs and log
          // messages are long strings, and most of a line's bytes.
          while end - cursor >= 8 {
            let special = Self.specialInString(UInt64(littleEndian: cursor.loadUnaligned(as: UInt64.self)))
            if special != 0 {
              cursor += special.trailingZeroBitCount / 8
              break
            }
            cursor += 8
          }
          guard cursor < end else { return false }
          let inner = cursor.load(as: UInt8.self)
          if inner == 0x22 { break }
          if inner == 0x5C {
            cursor += 2
          } else {
            if inner < 0x20 { return false }
            cursor += 1
          }
        }
      case 0x7B, 0x5B:
        depth += 1
      case 0x7D, 0x5D:
        depth -= 1
        if depth < 0 { return false }
        if depth == 0 {
          // Only trailing whitespace may follow the outermost object.
          cursor += 1
          while cursor < end {
            let rest = cursor.load(as: UInt8.self)
            guard rest == 0x20 || rest == 0x09 || rest == 0x0D else { return false }
            cursor += 1
          }
          return true
        }
      case 0..<0x20 where byte != 0x09 && byte != 0x0D:
        return false
      default:
        break
      }
      cursor += 1
    }
    return false
  }

  /// The raw values of the head's enums as bytes, matched in place so that the scan makes no
  /// `String` for them (three per line, a noticeable share of an open at 100,000 lines).
  private enum Names {
    static let statuses = table(GenerationStatus.self)
    static let modes = table(MagiMode.self)
    static let models = table(MagiModel.self)

    static func table<Value: RawRepresentable & CaseIterable>(_: Value.Type) -> [([UInt8], Value)]
    where Value.RawValue == String {
      Value.allCases.map { (Array($0.rawValue.utf8), $0) }
    }
  }

  /// The high bit of each byte of `word` that is a quote, a backslash or a control byte (in a
  /// string, the only bytes that matter). Only the lowest set bit is exact (a borrow can flag a byte
  /// above a real one), which is all a scan for the next such byte needs.
  @inline(__always)
  private static func specialInString(_ word: UInt64) -> UInt64 {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highs: UInt64 = 0x8080_8080_8080_8080
    func zeroBytes(_ value: UInt64) -> UInt64 { (value &- ones) & ~value & highs }
    let quotes = zeroBytes(word ^ (ones &* 0x22))
    let backslashes = zeroBytes(word ^ (ones &* 0x5C))
    let controls = (word &- ones &* 0x20) & ~word & highs
    return quotes | backslashes | controls
  }

  /// A forward-only reader over the head of a line.
  private struct Cursor {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    var atEnd: Bool { index == bytes.count }

    mutating func literal(_ text: StaticString) -> Bool {
      let count = text.utf8CodeUnitCount
      guard index + count <= bytes.count else { return false }
      let start = text.utf8Start
      for offset in 0..<count where bytes[index + offset] != start[offset] { return false }
      index += count
      return true
    }

    mutating func integer() -> Int? {
      var value = 0
      let start = index
      while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57, index - start < 9 {
        value = value * 10 + Int(bytes[index] - 48)
        index += 1
      }
      return index > start ? value : nil
    }

    mutating func timestamp() -> Int64? {
      guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
      let start = index + 1
      var end = start
      while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\") { end += 1 }
      guard end < bytes.count, bytes[end] == UInt8(ascii: "\"") else { return nil }
      index = end + 1
      return Timestamp.parse(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
    }

    /// A JSON string without escapes equal to one of `names`: the matching value, nil otherwise.
    mutating func name<Value>(in names: [([UInt8], Value)]) -> Value? {
      guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
      let start = index + 1
      for (name, value) in names {
        let end = start + name.count
        guard end < bytes.count, bytes[end] == UInt8(ascii: "\"") else { continue }
        var same = true
        for offset in 0..<name.count where bytes[start + offset] != name[offset] {
          same = false
          break
        }
        if same {
          index = end + 1
          return value
        }
      }
      return nil
    }

    /// A JSON string: its range in the line when it has no escapes, else its decoded bytes appended
    /// to `scratch`. nil on malformed input or invalid UTF-8.
    mutating func text(scratch: inout [UInt8]) -> Text? {
      guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
      let start = index + 1
      var end = start
      var highBits: UInt8 = 0
      while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 {
        highBits |= bytes[end]
        end += 1
      }
      guard end < bytes.count else { return nil }
      if bytes[end] == UInt8(ascii: "\"") {
        index = end + 1
        // ASCII needs no validation (and most ids and prompts are ASCII).
        guard highBits < 0x80 || Self.isUTF8(UnsafeRawBufferPointer(rebasing: bytes[start..<end])) else { return nil }
        return .line(start..<end)
      }
      // Slow path: the string has escapes.
      let first = scratch.count
      scratch.append(contentsOf: bytes[start..<end])
      var position = end
      while position < bytes.count {
        let byte = bytes[position]
        if byte == UInt8(ascii: "\"") {
          index = position + 1
          let valid = scratch.withUnsafeBytes { Self.isUTF8(UnsafeRawBufferPointer(rebasing: $0[first...])) }
          return valid ? .decoded(first..<scratch.count) : nil
        }
        if byte < 0x20 { return nil }
        if byte != UInt8(ascii: "\\") {
          scratch.append(byte)
          position += 1
          continue
        }
        guard position + 1 < bytes.count else { return nil }
        let escape = bytes[position + 1]
        position += 2
        switch escape {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(escape)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
          guard var scalar = hex4(at: position) else { return nil }
          position += 4
          if (0xD800..<0xDC00).contains(scalar) {
            // A surrogate pair: `\uD83D\uDE00`.
            guard position + 6 <= bytes.count, bytes[position] == UInt8(ascii: "\\"),
              bytes[position + 1] == UInt8(ascii: "u"), let low = hex4(at: position + 2),
              (0xDC00..<0xE000).contains(low)
            else { return nil }
            position += 6
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
          }
          guard let unicode = Unicode.Scalar(scalar) else { return nil }
          scratch.append(contentsOf: Array(String(Character(unicode)).utf8))
        default:
          return nil
        }
      }
      return nil
    }

    private static func isUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
      String(validating: bytes, as: UTF8.self) != nil
    }

    private func hex4(at position: Int) -> UInt32? {
      guard position + 4 <= bytes.count else { return nil }
      var value: UInt32 = 0
      for offset in 0..<4 {
        let byte = bytes[position + offset]
        let digit: UInt8
        switch byte {
        case 48...57: digit = byte - 48
        case 97...102: digit = byte - 87
        case 65...70: digit = byte - 55
        default: return nil
        }
        value = value << 4 | UInt32(digit)
      }
      return value
    }
  }
}
