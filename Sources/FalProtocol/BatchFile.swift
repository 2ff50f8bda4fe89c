/// Reads a batch file (`magi-studio batch FILE`): JSON Lines, one request object per line, or CSV
/// whose header names the parameters. Every line is read and checked against the MAGI-1 schema
/// before anything is sent; the first bad one is refused with its line and column.
///
/// Keys (JSON) and header names (CSV): `prompt` (required), `mode`, `model`, `image`, `video` (a
/// local path or a URL; `image_url` and `video_url` too), `num_frames`, `seed`, `resolution`,
/// `num_inference_steps` (or `steps`), `aspect_ratio`, `start_frame`, `enable_safety_checker`;
/// a `-` may stand for a `_`. The mode follows the source as in `generate` unless `mode` names it.
/// In CSV an empty cell leaves the parameter to fal's default; in JSON, leaving the key out does.
public enum BatchFile {
  /// One request of the file.
  public struct Entry: Sendable, Hashable {
    /// 1-based line where the request starts.
    public var line: Int
    public var endpoint: MagiEndpoint
    /// The request body without its source: the schema's keys, as they will be sent.
    public var fields: [String: JSONValue]
    /// The image or video as written: a local path or a URL.
    public var source: String?
    /// Where the source is written (for an error about it found later, such as a missing file).
    public var sourceColumn: Int?
  }

  /// The most requests one file may hold.
  public static let maxRequests = Variations.maxJobs

  /// Parameter names a file may use, after `-` → `_` and aliases.
  public static let parameters = [
    "prompt", "mode", "model", "image", "video", "num_frames", "seed", "resolution", "num_inference_steps",
    "aspect_ratio", "start_frame", "enable_safety_checker",
  ]

  /// Parses `text`: JSON Lines when its first non-blank line starts with `{` (or `[`, refused as
  /// not an object), else CSV.
  public static func parse(_ text: String) throws(BatchFileError) -> [Entry] {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
      $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
    }
    guard let first = lines.first(where: { !$0.trimmingWhitespace().isEmpty }) else {
      throw BatchFileError(line: 1, column: 1, message: "the file holds no requests")
    }
    let opening = first.trimmingWhitespace().first
    let entries = try opening == "{" || opening == "[" ? parseJSONLines(lines) : parseCSV(lines)
    guard !entries.isEmpty else { throw BatchFileError(line: 1, column: 1, message: "the file holds no requests") }
    guard entries.count <= maxRequests else {
      throw BatchFileError(
        line: entries[maxRequests].line, column: 1,
        message: "more than \(maxRequests) requests; split the file")
    }
    return entries
  }

  // MARK: - JSON Lines

  static func parseJSONLines(_ lines: [String]) throws(BatchFileError) -> [Entry] {
    var entries: [Entry] = []
    for (index, line) in lines.enumerated() where !line.trimmingWhitespace().isEmpty {
      let number = index + 1
      var reader = LineJSON(line)
      let members: [(key: String, column: Int, value: JSONValue)]
      do { members = try reader.object() } catch {
        throw BatchFileError(line: number, column: error.column, message: error.message)
      }
      var cells: [String: Cell] = [:]
      for member in members {
        let name = try canonicalName(member.key, line: number, column: member.column)
        guard cells[name] == nil else {
          throw BatchFileError(line: number, column: member.column, message: "\(name) is given twice")
        }
        cells[name] = Cell(column: member.column, value: member.value)
      }
      entries.append(try entry(cells, line: number))
    }
    return entries
  }

  // MARK: - CSV

  static func parseCSV(_ lines: [String]) throws(BatchFileError) -> [Entry] {
    let records = try csvRecords(lines)
    guard let header = records.first else { return [] }
    var names: [String] = []
    for (index, title) in header.fields.enumerated() {
      let name = try canonicalName(title.trimmingWhitespace(), line: header.line, column: index + 1)
      guard !names.contains(name) else {
        throw BatchFileError(line: header.line, column: index + 1, message: "\(name) is named twice in the header")
      }
      names.append(name)
    }
    guard names.contains("prompt") else {
      throw BatchFileError(line: header.line, column: 1, message: "the header names no prompt column")
    }
    var entries: [Entry] = []
    for record in records.dropFirst() {
      guard record.fields.count == names.count else {
        throw BatchFileError(
          line: record.line, column: min(record.fields.count, names.count) + 1,
          message: "\(record.fields.count) fields where the header has \(names.count)")
      }
      var cells: [String: Cell] = [:]
      for (index, text) in record.fields.enumerated() {
        let name = names[index]
        let column = index + 1
        // A prompt keeps its spaces; other values are trimmed, and an empty one means "fal's default".
        let value = name == "prompt" ? text : text.trimmingWhitespace()
        if value.isEmpty, name != "prompt" { continue }
        cells[name] = Cell(column: column, value: try typed(value, name: name, line: record.line, column: column))
      }
      entries.append(try entry(cells, line: record.line))
    }
    return entries
  }

  /// A CSV value as the schema types it: whole numbers for the number fields, true/false for the switch.
  static func typed(_ text: String, name: String, line: Int, column: Int) throws(BatchFileError) -> JSONValue {
    switch name {
    case "num_frames", "seed", "num_inference_steps", "start_frame":
      guard let number = Int(text) else {
        throw BatchFileError(line: line, column: column, message: "\(name): '\(text)' is not a whole number")
      }
      return .int(number)
    case "enable_safety_checker":
      switch text.lowercased() {
      case "true", "yes", "1": return .bool(true)
      case "false", "no", "0": return .bool(false)
      default: throw BatchFileError(line: line, column: column, message: "\(name): '\(text)' is not true or false")
      }
    default: return .string(text)
    }
  }

  /// RFC 4180 records: quoted fields may hold commas, doubled quotes and line breaks. Blank lines
  /// are skipped.
  static func csvRecords(_ lines: [String]) throws(BatchFileError) -> [(line: Int, fields: [String])] {
    var records: [(line: Int, fields: [String])] = []
    var index = 0
    while index < lines.count {
      let start = index + 1
      if lines[index].trimmingWhitespace().isEmpty {
        index += 1
        continue
      }
      var fields: [String] = []
      var field = ""
      var quoted = false
      var fieldStart = true
      var text = Array(lines[index])
      var position = 0
      var quoteOpened = (line: start, column: 0)
      while true {
        if position == text.count {
          if quoted {
            index += 1
            guard index < lines.count else {
              throw BatchFileError(
                line: quoteOpened.line, column: quoteOpened.column, message: "a quoted field is never closed")
            }
            field.append("\n")
            text = Array(lines[index])
            position = 0
            continue
          }
          fields.append(field)
          break
        }
        let character = text[position]
        position += 1
        if quoted {
          if character == "\"" {
            if position < text.count, text[position] == "\"" {
              field.append("\"")
              position += 1
            } else {
              quoted = false
              if position < text.count, text[position] != "," {
                throw BatchFileError(
                  line: index + 1, column: fields.count + 1,
                  message: "text after a closing quote (write \"\" for a quote inside a field)")
              }
            }
          } else {
            field.append(character)
          }
          continue
        }
        switch character {
        case "\"" where fieldStart:
          quoted = true
          quoteOpened = (index + 1, fields.count + 1)
          fieldStart = false
        case ",":
          fields.append(field)
          field = ""
          fieldStart = true
        default:
          field.append(character)
          fieldStart = false
        }
      }
      records.append((start, fields))
      index += 1
    }
    return records
  }

  // MARK: - Shared

  struct Cell {
    var column: Int
    var value: JSONValue
  }

  static func canonicalName(_ raw: String, line: Int, column: Int) throws(BatchFileError) -> String {
    var name = raw.replacing("-", with: "_")
    switch name {
    case "steps": name = "num_inference_steps"
    case "image_url": name = "image"
    case "video_url": name = "video"
    default: break
    }
    guard parameters.contains(name) else {
      throw BatchFileError(
        line: line, column: column,
        message: "unknown parameter '\(raw)' (one of \(parameters.joined(separator: ", ")))")
    }
    return name
  }

  /// The request one line describes, checked against the schema.
  static func entry(_ cells: [String: Cell], line: Int) throws(BatchFileError) -> Entry {
    func text(_ name: String) throws(BatchFileError) -> (String, Int)? {
      guard let cell = cells[name] else { return nil }
      guard case .string(let value) = cell.value else {
        throw BatchFileError(line: line, column: cell.column, message: "\(name) must be a string")
      }
      return (value, cell.column)
    }
    let image = try text("image")
    let video = try text("video")
    if let image, video != nil {
      throw BatchFileError(line: line, column: image.1, message: "give image or video, not both")
    }
    var mode: MagiMode = video != nil ? .extendVideo : image != nil ? .imageToVideo : .textToVideo
    if let (name, column) = try text("mode") {
      guard let named = MagiMode(named: name) else {
        throw BatchFileError(
          line: line, column: column,
          message:
            "mode '\(name)' is not one of \(MagiMode.allCases.map(\.rawValue).joined(separator: ", ")) (or t2v, i2v, ext)"
        )
      }
      let given = video ?? image
      if named == .textToVideo, let given {
        throw BatchFileError(line: line, column: given.1, message: "text-to-video takes no image or video")
      }
      if named == .imageToVideo, let video {
        throw BatchFileError(line: line, column: video.1, message: "image-to-video takes an image, not a video")
      }
      if named == .extendVideo, let image {
        throw BatchFileError(line: line, column: image.1, message: "extend-video takes a video, not an image")
      }
      mode = named
    }
    var model = MagiModel.distilled
    if let (name, column) = try text("model") {
      guard let named = MagiModel(rawValue: name) else {
        throw BatchFileError(line: line, column: column, message: "model '\(name)' is not distilled or full")
      }
      model = named
    }
    let endpoint = MagiEndpoint(mode: mode, model: model)
    let source = mode == .extendVideo ? video : mode == .imageToVideo ? image : nil
    var fields: [String: JSONValue] = [:]
    for (name, cell) in cells where !["mode", "model", "image", "video"].contains(name) {
      if name == "start_frame", mode != .extendVideo {
        throw BatchFileError(line: line, column: cell.column, message: "start_frame is for extend-video only")
      }
      fields[name] = cell.value
    }
    var body = fields
    if let field = mode.sourceField {
      guard source != nil else {
        throw BatchFileError(
          line: line, column: 1, message: "\(mode.rawValue) needs \(mode == .extendVideo ? "a video" : "an image")")
      }
      body[field] = "https://example.com/source"
    }
    if case .failure(let failure) = MagiSchema.validate(.object(body), for: endpoint), let error = failure.errors.first
    {
      let column = cells[error.field]?.column ?? 1
      throw BatchFileError(line: line, column: column, message: error.description)
    }
    return Entry(line: line, endpoint: endpoint, fields: fields, source: source?.0, sourceColumn: source?.1)
  }
}

/// A batch file line refused: where, and why, in one line.
public struct BatchFileError: Error, Sendable, Hashable, CustomStringConvertible {
  public var line: Int
  public var column: Int
  public var message: String

  public init(line: Int, column: Int, message: String) {
    self.line = line
    self.column = column
    self.message = message
  }

  public var description: String { "line \(line), column \(column): \(message)" }
}

/// A JSON object on one line, read with the column of each key and of the first error (the
/// platform's JSON reader names no column).
struct LineJSON {
  struct Failure: Error {
    var column: Int
    var message: String
  }

  private let scalars: [Unicode.Scalar]
  private var position = 0

  init(_ line: String) { scalars = Array(line.unicodeScalars) }

  private var column: Int { position + 1 }

  private func fail(_ message: String) -> Failure {
    Failure(column: column, message: message)
  }

  private mutating func skipSpace() {
    while position < scalars.count, [" ", "\t", "\r"].contains(scalars[position]) { position += 1 }
  }

  private func describeHere() -> String {
    position < scalars.count ? "'\(scalars[position])'" : "the end of the line"
  }

  /// The whole line: one object, nothing after it.
  mutating func object() throws(Failure) -> [(key: String, column: Int, value: JSONValue)] {
    skipSpace()
    guard position < scalars.count, scalars[position] == "{" else {
      throw fail("expected a JSON object ({…}), found \(describeHere())")
    }
    let members = try members()
    skipSpace()
    guard position == scalars.count else { throw fail("unexpected \(describeHere()) after the object") }
    return members
  }

  private mutating func members() throws(Failure) -> [(key: String, column: Int, value: JSONValue)] {
    position += 1  // {
    var members: [(key: String, column: Int, value: JSONValue)] = []
    skipSpace()
    if position < scalars.count, scalars[position] == "}" {
      position += 1
      return members
    }
    while true {
      skipSpace()
      guard position < scalars.count, scalars[position] == "\"" else {
        throw fail("expected a key in double quotes, found \(describeHere())")
      }
      let keyColumn = column
      let key = try string()
      skipSpace()
      guard position < scalars.count, scalars[position] == ":" else {
        throw fail("expected ':' after the key, found \(describeHere())")
      }
      position += 1
      let value = try value()
      members.append((key, keyColumn, value))
      skipSpace()
      guard position < scalars.count else { throw fail("the object is not closed (expected '}')") }
      switch scalars[position] {
      case ",": position += 1
      case "}":
        position += 1
        return members
      default: throw fail("expected ',' or '}', found \(describeHere())")
      }
    }
  }

  private mutating func value() throws(Failure) -> JSONValue {
    skipSpace()
    guard position < scalars.count else { throw fail("expected a value, found the end of the line") }
    switch scalars[position] {
    case "\"": return .string(try string())
    case "{":
      var object: [String: JSONValue] = [:]
      for member in try members() { object[member.key] = member.value }
      return .object(object)
    case "[":
      position += 1
      var elements: [JSONValue] = []
      skipSpace()
      if position < scalars.count, scalars[position] == "]" {
        position += 1
        return .array(elements)
      }
      while true {
        elements.append(try value())
        skipSpace()
        guard position < scalars.count else { throw fail("the array is not closed (expected ']')") }
        if scalars[position] == "]" {
          position += 1
          return .array(elements)
        }
        guard scalars[position] == "," else { throw fail("expected ',' or ']', found \(describeHere())") }
        position += 1
      }
    case "t": return try literal("true", .bool(true))
    case "f": return try literal("false", .bool(false))
    case "n": return try literal("null", .null)
    default: return try number()
    }
  }

  private mutating func literal(_ word: String, _ value: JSONValue) throws(Failure) -> JSONValue {
    let scalarsOfWord = Array(word.unicodeScalars)
    guard position + scalarsOfWord.count <= scalars.count,
      Array(scalars[position..<position + scalarsOfWord.count]) == scalarsOfWord
    else { throw fail("expected a value, found \(describeHere())") }
    position += scalarsOfWord.count
    return value
  }

  private mutating func number() throws(Failure) -> JSONValue {
    let start = position
    let allowed = Set("+-0123456789.eE".unicodeScalars)
    while position < scalars.count, allowed.contains(scalars[position]) { position += 1 }
    var text = ""
    text.unicodeScalars.append(contentsOf: scalars[start..<position])
    let valid = text.wholeMatch(of: /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/) != nil
    guard valid else {
      position = start
      throw fail("expected a value, found \(describeHere())")
    }
    if let integer = Int(text) { return .int(integer) }
    if let double = Double(text), double.isFinite { return .double(double) }
    position = start
    throw fail("the number \(text) is out of range")
  }

  private mutating func string() throws(Failure) -> String {
    position += 1  // opening quote
    var result = String.UnicodeScalarView()
    while true {
      guard position < scalars.count else { throw fail("the string is not closed (expected '\"')") }
      let scalar = scalars[position]
      position += 1
      switch scalar {
      case "\"": return String(result)
      case "\\":
        guard position < scalars.count else { throw fail("the string is not closed (expected '\"')") }
        let escape = scalars[position]
        position += 1
        switch escape {
        case "\"": result.append("\"")
        case "\\": result.append("\\")
        case "/": result.append("/")
        case "b": result.append("\u{08}")
        case "f": result.append("\u{0C}")
        case "n": result.append("\n")
        case "r": result.append("\r")
        case "t": result.append("\t")
        case "u":
          var code = try hex4()
          if (0xD800..<0xDC00).contains(code), position + 1 < scalars.count, scalars[position] == "\\",
            scalars[position + 1] == "u"
          {
            position += 2
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else { throw fail("an unpaired surrogate in \\u escapes") }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
          }
          guard let decoded = Unicode.Scalar(code) else { throw fail("an unpaired surrogate in \\u escapes") }
          result.append(decoded)
        default:
          position -= 1
          throw fail("unknown escape '\\\(escape)' in a string")
        }
      default:
        guard scalar.value >= 0x20 else {
          position -= 1
          throw fail("a control character in a string (escape it)")
        }
        result.append(scalar)
      }
    }
  }

  private mutating func hex4() throws(Failure) -> UInt32 {
    guard position + 4 <= scalars.count else { throw fail("\\u needs four hex digits") }
    var text = ""
    text.unicodeScalars.append(contentsOf: scalars[position..<position + 4])
    guard let code = UInt32(text, radix: 16) else { throw fail("\\u needs four hex digits") }
    position += 4
    return code
  }
}
