/// Reads the TOML that theme and config files are written in, keeping the line of every key.
///
/// Why not a TOML library: LebJe/TOMLKit (toml++) builds cleanly and reports syntax errors with
/// lines, but the values it returns carry no position, so "unknown role 'bordr'" or "price must not
/// be negative" could not say where. This reader is small because the studio needs little:
///
/// - tables `[a]`, `[a.b]`, bare, quoted and dotted keys, comments;
/// - basic strings with escapes, literal strings, both in multi-line forms too;
/// - integers (decimal, `0x`, `0o`, `0b`, `_` separators), floats (`inf`, `nan`), booleans;
/// - arrays (multi-line, trailing comma), inline tables (also across lines, as TOML 1.1 allows).
///
/// Not supported, each rejected with its line: dates and times, arrays of tables `[[a]]`.
/// Duplicate keys and tables, and tables redefined by dotted keys, are errors as the spec says.
///
/// Hostile files are bounded: a file larger than ``maximumBytes`` or nested deeper than
/// ``maximumDepth`` (tables, dotted keys, arrays and inline tables together) is an error with its
/// line, never a stack overflow; and reading takes time linear in the file's size, because every
/// key is placed by walking at most ``maximumDepth`` tables that are changed in place, never copied.
public enum TOMLReader {
  /// No studio file comes near this; a larger one is a mistake, not settings.
  public static let maximumBytes = 1 << 20
  /// Levels of tables and arrays; the studio's own files use three.
  public static let maximumDepth = 64

  /// Parses `text` into its root table, or throws the first syntax error.
  public static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
    guard text.utf8.count <= maximumBytes else {
      throw TOMLError(line: 1, column: 1, message: "the file is larger than \(maximumBytes >> 20) MiB")
    }
    var parser = Parser(bytes: Array(text.utf8))
    try parser.parseDocument()
    return parser.root
  }
}

private struct Parser {
  let bytes: [UInt8]
  var index = 0
  var line = 1
  var lineStart = 0
  var root = TOMLTable(line: 1)
  var currentPath: [String] = []
  /// Levels of tables and arrays around the value being read (see ``TOMLReader/maximumDepth``).
  var depth = 0

  init(bytes: [UInt8]) {
    self.bytes = bytes
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
    root.origin = .header(line: 1)
  }

  /// Throws when `levels` is deeper than the reader allows; called before each level is entered.
  func checkDepth(_ levels: Int) throws(TOMLError) {
    guard levels <= TOMLReader.maximumDepth else {
      throw error("nested more than \(TOMLReader.maximumDepth) levels deep (tables, dotted keys and arrays together)")
    }
  }

  // MARK: - Bytes

  var atEnd: Bool { index >= bytes.count }
  var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

  func peek(at offset: Int) -> UInt8? {
    index + offset < bytes.count ? bytes[index + offset] : nil
  }

  mutating func advance() {
    if bytes[index] == UInt8(ascii: "\n") {
      line += 1
      lineStart = index + 1
    }
    index += 1
  }

  func error(_ message: String) -> TOMLError {
    TOMLError(line: line, column: index - lineStart + 1, message: message)
  }

  /// Where the reader is, for the table-building functions' errors. They get this rather than the
  /// parser: a copy of the parser is a copy of `root`, and then no table could be changed in place.
  var position: Position { Position(line: line, column: index - lineStart + 1) }

  /// An unclosed array, inline table or string is reported where it opened: that is where the fix goes.
  func unterminated(_ what: String, line openLine: Int, column: Int) -> TOMLError {
    TOMLError(line: openLine, column: column, message: "unterminated \(what)")
  }

  /// The next character for messages: printable, or described when it is a newline or the end.
  var found: String {
    guard let byte = peek else { return "the end of the file" }
    switch byte {
    case UInt8(ascii: "\n"), UInt8(ascii: "\r"): return "the end of the line"
    case 0..<0x20, 0x7F: return "control character U+\(hex(byte))"
    default:
      var end = index + 1
      while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
      return "'" + String(decoding: bytes[index..<end], as: UTF8.self) + "'"
    }
  }

  func hex(_ byte: UInt8) -> String {
    let digits = String(byte, radix: 16, uppercase: true)
    return String(repeating: "0", count: 4 - digits.count) + digits
  }

  mutating func skipSpaces() {
    while let byte = peek, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { index += 1 }
  }

  /// Skips a comment up to (not including) its newline; control characters are not allowed in it.
  mutating func skipComment() throws(TOMLError) {
    guard peek == UInt8(ascii: "#") else { return }
    while let byte = peek, byte != UInt8(ascii: "\n") {
      if byte == UInt8(ascii: "\r"), peek(at: 1) == UInt8(ascii: "\n") { return }
      if isForbiddenControl(byte) { throw error("control character U+\(hex(byte)) in a comment") }
      index += 1
    }
  }

  /// Consumes one newline (`\n` or `\r\n`) if it is next.
  mutating func consumeNewline() throws(TOMLError) -> Bool {
    switch peek {
    case UInt8(ascii: "\n"):
      advance()
      return true
    case UInt8(ascii: "\r"):
      guard peek(at: 1) == UInt8(ascii: "\n") else { throw error("a carriage return must be followed by a newline") }
      index += 1
      advance()
      return true
    default:
      return false
    }
  }

  /// Spaces, newlines and comments: what may sit between array items.
  mutating func skipBlank() throws(TOMLError) {
    while true {
      skipSpaces()
      try skipComment()
      if try !consumeNewline() { return }
    }
  }

  func isForbiddenControl(_ byte: UInt8) -> Bool {
    (byte < 0x20 && byte != UInt8(ascii: "\t")) || byte == 0x7F
  }

  // MARK: - Document

  mutating func parseDocument() throws(TOMLError) {
    while !atEnd {
      skipSpaces()
      try skipComment()
      if try consumeNewline() { continue }
      if atEnd { break }
      if peek == UInt8(ascii: "[") {
        try parseHeader()
      } else {
        try parseKeyValue()
      }
      skipSpaces()
      try skipComment()
      if !atEnd, try !consumeNewline() {
        throw error("expected the end of the line, found \(found)")
      }
    }
  }

  mutating func parseHeader() throws(TOMLError) {
    let headerLine = line
    index += 1
    if peek == UInt8(ascii: "[") {
      throw error("arrays of tables ([[…]]) are not supported in studio files")
    }
    skipSpaces()
    let path = try parseKey()
    skipSpaces()
    guard peek == UInt8(ascii: "]") else { throw error("expected ']' to close the table header, found \(found)") }
    index += 1
    try defineHeaderTable(path, line: headerLine)
    currentPath = path
  }

  mutating func defineHeaderTable(_ path: [String], line headerLine: Int) throws(TOMLError) {
    try checkDepth(path.count)
    try Self.defineTable(path[...], fullPath: path, line: headerLine, in: &root, parser: position)
  }

  /// Creates or checks each table of a `[header]` path, one level at a time, in place.
  static func defineTable(
    _ path: ArraySlice<String>, fullPath: [String], line headerLine: Int, in table: inout TOMLTable, parser: Position
  ) throws(TOMLError) {
    guard let name = path.first else { return }
    let isLast = path.count == 1
    let absolute = { Array(fullPath[..<(fullPath.count - path.count + 1)]) }
    if let existing = table.entry(name) {
      guard let origin = existing.value.tableValue?.origin else {
        throw parser.error("'\(dotted(absolute()))' is already a value (line \(existing.line)), not a table")
      }
      switch origin {
      case .inline(let line):
        throw parser.error("'\(dotted(absolute()))' is an inline table (line \(line)) and cannot be extended")
      case .header(let line) where isLast:
        throw parser.error("table [\(dotted(absolute()))] is already defined on line \(line)")
      case .dotted(let line) where isLast:
        throw parser.error("table [\(dotted(absolute()))] was already defined by a dotted key on line \(line)")
      case .implicit where isLast:
        try table.modifyTable(name) { child throws(TOMLError) in child.origin = .header(line: headerLine) }
      default:
        break
      }
    } else {
      var child = TOMLTable(line: headerLine)
      child.origin = isLast ? .header(line: headerLine) : .implicit
      table.set(name, .init(value: .table(child), line: headerLine))
    }
    guard !isLast else { return }
    try table.modifyTable(name) { child throws(TOMLError) in
      try defineTable(path.dropFirst(), fullPath: fullPath, line: headerLine, in: &child, parser: parser)
    }
  }

  mutating func parseKeyValue() throws(TOMLError) {
    let keyLine = line
    let key = try parseKey()
    skipSpaces()
    guard peek == UInt8(ascii: "=") else { throw error("expected '=' after the key '\(dotted(key))', found \(found)") }
    index += 1
    skipSpaces()
    depth = currentPath.count + key.count
    try checkDepth(depth)
    let value = try parseValue()
    let (base, position) = (currentPath, position)
    try Self.descend(currentPath[...], in: &root) { table throws(TOMLError) in
      try Self.insert(value, key: key[...], fullKey: key, line: keyLine, under: base, into: &table, parser: position)
    }
  }

  /// Runs `body` on the table at `path` inside `table`, in place; every step of the path is a table.
  static func descend(
    _ path: ArraySlice<String>, in table: inout TOMLTable, _ body: (inout TOMLTable) throws(TOMLError) -> Void
  ) throws(TOMLError) {
    guard let first = path.first else { return try body(&table) }
    try table.modifyTable(first) { child throws(TOMLError) in try descend(path.dropFirst(), in: &child, body) }
  }

  /// Inserts `key = value` into `table` (the table at `base`), creating the tables of a dotted key
  /// and enforcing that keys are unique and that dotted keys do not reopen tables defined elsewhere.
  static func insert(
    _ value: TOMLValue, key: ArraySlice<String>, fullKey: [String], line: Int, under base: [String],
    into table: inout TOMLTable, parser: Position
  ) throws(TOMLError) {
    guard let name = key.first else { return }
    let written = { Array(fullKey[..<(fullKey.count - key.count + 1)]) }
    if key.count == 1 {
      if let existing = table.entry(name) {
        throw parser.error("duplicate key '\(dotted(written()))' (first defined on line \(existing.line))")
      }
      table.set(name, .init(value: value, line: line))
      return
    }
    if let existing = table.entry(name) {
      guard let origin = existing.value.tableValue?.origin else {
        throw parser.error("'\(dotted(written()))' is already a value (line \(existing.line)), not a table")
      }
      switch origin {
      case .dotted:
        break
      case .inline(let line):
        throw parser.error("'\(dotted(written()))' is an inline table (line \(line)) and cannot be extended")
      default:
        throw parser.error(
          "table '\(dotted(base + written()))' is defined by a [header] (line \(existing.line)); dotted keys cannot add to it"
        )
      }
    } else {
      var child = TOMLTable(line: line)
      child.origin = .dotted(line: line)
      table.set(name, .init(value: .table(child), line: line))
    }
    try table.modifyTable(name) { child throws(TOMLError) in
      try insert(value, key: key.dropFirst(), fullKey: fullKey, line: line, under: base, into: &child, parser: parser)
    }
  }

  // MARK: - Keys

  /// A bare, quoted or dotted key, as its segments.
  mutating func parseKey() throws(TOMLError) -> [String] {
    var segments: [String] = []
    while true {
      skipSpaces()
      segments.append(try parseSimpleKey())
      skipSpaces()
      guard peek == UInt8(ascii: ".") else { return segments }
      index += 1
    }
  }

  mutating func parseSimpleKey() throws(TOMLError) -> String {
    switch peek {
    case UInt8(ascii: "\""):
      if peek(at: 1) == UInt8(ascii: "\""), peek(at: 2) == UInt8(ascii: "\"") {
        throw error("a key cannot be a multi-line string")
      }
      return try parseBasicString()
    case UInt8(ascii: "'"):
      if peek(at: 1) == UInt8(ascii: "'"), peek(at: 2) == UInt8(ascii: "'") {
        throw error("a key cannot be a multi-line string")
      }
      return try parseLiteralString()
    default:
      let start = index
      while let byte = peek, isBareKeyByte(byte) { index += 1 }
      guard index > start else { throw error("expected a key, found \(found)") }
      return String(decoding: bytes[start..<index], as: UTF8.self)
    }
  }

  func isBareKeyByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
      UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
      true
    default:
      false
    }
  }

  // MARK: - Values

  mutating func parseValue() throws(TOMLError) -> TOMLValue {
    guard let byte = peek else { throw error("expected a value, found the end of the file") }
    switch byte {
    case UInt8(ascii: "\""):
      if peek(at: 1) == UInt8(ascii: "\""), peek(at: 2) == UInt8(ascii: "\"") {
        return .string(try parseMultilineString(quote: UInt8(ascii: "\""), escapes: true))
      }
      return .string(try parseBasicString())
    case UInt8(ascii: "'"):
      if peek(at: 1) == UInt8(ascii: "'"), peek(at: 2) == UInt8(ascii: "'") {
        return .string(try parseMultilineString(quote: UInt8(ascii: "'"), escapes: false))
      }
      return .string(try parseLiteralString())
    case UInt8(ascii: "["):
      return try parseArray()
    case UInt8(ascii: "{"):
      return try parseInlineTable()
    case UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "#"):
      throw error("expected a value, found \(found == "'#'" ? "a comment" : found)")
    default:
      return try parseScalarToken()
    }
  }

  /// `true`, `false`, numbers; anything else made of token characters is reported as what it looks like.
  mutating func parseScalarToken() throws(TOMLError) -> TOMLValue {
    let start = index
    let startColumn = index - lineStart + 1
    while let byte = peek, isTokenByte(byte) { index += 1 }
    let token = String(decoding: bytes[start..<index], as: UTF8.self)
    func fail(_ message: String) -> TOMLError { TOMLError(line: line, column: startColumn, message: message) }
    if token.isEmpty { throw error("expected a value, found \(found)") }
    switch token {
    case "true": return .boolean(true)
    case "false": return .boolean(false)
    case "inf", "+inf": return .float(.infinity)
    case "-inf": return .float(-.infinity)
    case "nan", "+nan", "-nan": return .float(.nan)
    default: break
    }
    if looksLikeDate(token) { throw fail("dates and times are not supported in studio files ('\(token)')") }
    if let value = Self.number(token) { return value }
    if let first = token.first, first.isLetter {
      throw fail("expected a value, found '\(token)' (strings need quotes: \"\(token)\")")
    }
    throw fail("invalid number '\(token)'")
  }

  func isTokenByte(_ byte: UInt8) -> Bool {
    isBareKeyByte(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":")
  }

  func looksLikeDate(_ token: String) -> Bool {
    let utf8 = Array(token.utf8)
    func digits(_ range: Range<Int>) -> Bool {
      range.upperBound <= utf8.count && utf8[range].allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
    let date = digits(0..<4) && utf8.count > 4 && utf8[4] == UInt8(ascii: "-")
    let time = digits(0..<2) && utf8.count > 2 && utf8[2] == UInt8(ascii: ":")
    return date || time
  }

  /// A TOML integer or float, or nil when `token` is not one.
  static func number(_ token: String) -> TOMLValue? {
    let utf8 = Array(token.utf8)
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where token.hasPrefix(prefix) {
      let body = utf8.dropFirst(2)
      guard separatedProperly(body, isDigit: { isDigit($0, radix: radix) }) else { return nil }
      return Int(String(decoding: body.filter { $0 != UInt8(ascii: "_") }, as: UTF8.self), radix: radix).map {
        .integer($0)
      }
    }
    var unsigned = utf8[...]
    if let sign = unsigned.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
      unsigned = unsigned.dropFirst()
    }
    let isFloat = unsigned.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
    let decimal: (UInt8) -> Bool = { isDigit($0, radix: 10) }
    let cleaned = String(decoding: utf8.filter { $0 != UInt8(ascii: "_") }, as: UTF8.self)
    if !isFloat {
      guard separatedProperly(unsigned, isDigit: decimal), !hasLeadingZero(unsigned) else { return nil }
      return Int(cleaned).map { .integer($0) }
    }
    // integer part, optional fraction, optional exponent; each part digits with single `_` between.
    let exponentIndex = unsigned.firstIndex { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
    let mantissa = unsigned[..<(exponentIndex ?? unsigned.endIndex)]
    let parts = mantissa.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
    guard parts.count <= 2, let integerPart = parts.first, separatedProperly(integerPart, isDigit: decimal),
      !hasLeadingZero(integerPart)
    else { return nil }
    if parts.count == 2, !separatedProperly(parts[1], isDigit: decimal) { return nil }
    if let exponentIndex {
      var exponent = unsigned[(exponentIndex + 1)...]
      if let sign = exponent.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
        exponent = exponent.dropFirst()
      }
      guard separatedProperly(exponent, isDigit: decimal) else { return nil }
    }
    return Double(cleaned).map { .float($0) }
  }

  static func isDigit(_ byte: UInt8, radix: Int) -> Bool {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0")) < radix
    case UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"): radix == 16
    default: false
    }
  }

  /// Digits with `_` only ever between two digits.
  static func separatedProperly(_ digits: some Collection<UInt8>, isDigit: (UInt8) -> Bool) -> Bool {
    guard let first = digits.first, isDigit(first) else { return false }
    var previousWasDigit = false
    for byte in digits {
      if byte == UInt8(ascii: "_") {
        guard previousWasDigit else { return false }
        previousWasDigit = false
      } else {
        guard isDigit(byte) else { return false }
        previousWasDigit = true
      }
    }
    return previousWasDigit
  }

  static func hasLeadingZero(_ digits: some Collection<UInt8>) -> Bool {
    digits.count > 1 && digits.first == UInt8(ascii: "0")
  }

  mutating func parseArray() throws(TOMLError) -> TOMLValue {
    let openLine = line
    let openColumn = index - lineStart + 1
    try checkDepth(depth + 1)
    depth += 1
    defer { depth -= 1 }
    index += 1
    var items: [TOMLValue] = []
    while true {
      try skipBlank()
      guard let byte = peek else {
        throw unterminated("array: this '[' is never closed by ']'", line: openLine, column: openColumn)
      }
      if byte == UInt8(ascii: "]") {
        index += 1
        return .array(items)
      }
      items.append(try parseValue())
      try skipBlank()
      switch peek {
      case UInt8(ascii: ","):
        index += 1
      case UInt8(ascii: "]"):
        index += 1
        return .array(items)
      case nil:
        throw unterminated("array: this '[' is never closed by ']'", line: openLine, column: openColumn)
      default:
        throw error("expected ',' or ']' in the array, found \(found)")
      }
    }
  }

  mutating func parseInlineTable() throws(TOMLError) -> TOMLValue {
    let openLine = line
    let openColumn = index - lineStart + 1
    let outerDepth = depth
    defer { depth = outerDepth }
    index += 1
    var table = TOMLTable(line: openLine)
    table.origin = .inline(line: openLine)
    while true {
      try skipBlank()
      guard let byte = peek else {
        throw unterminated("inline table: this '{' is never closed by '}'", line: openLine, column: openColumn)
      }
      if byte == UInt8(ascii: "}") {
        index += 1
        return .table(table)
      }
      let keyLine = line
      let key = try parseKey()
      skipSpaces()
      guard peek == UInt8(ascii: "=") else {
        throw error("expected '=' after the key '\(dotted(key))', found \(found)")
      }
      index += 1
      skipSpaces()
      depth = outerDepth + key.count
      try checkDepth(depth)
      let value = try parseValue()
      try Self.insert(value, key: key[...], fullKey: key, line: keyLine, under: [], into: &table, parser: position)
      try skipBlank()
      switch peek {
      case UInt8(ascii: ","):
        index += 1
      case UInt8(ascii: "}"):
        index += 1
        return .table(table)
      case nil:
        throw unterminated("inline table: this '{' is never closed by '}'", line: openLine, column: openColumn)
      default:
        throw error("expected ',' or '}' in the inline table, found \(found)")
      }
    }
  }

  // MARK: - Strings

  mutating func parseBasicString() throws(TOMLError) -> String {
    let openLine = line
    index += 1
    var buffer: [UInt8] = []
    while true {
      guard let byte = peek, byte != UInt8(ascii: "\n"), byte != UInt8(ascii: "\r") else {
        throw TOMLError(line: openLine, column: index - lineStart + 1, message: "unterminated string (missing '\"')")
      }
      switch byte {
      case UInt8(ascii: "\""):
        index += 1
        return String(decoding: buffer, as: UTF8.self)
      case UInt8(ascii: "\\"):
        try parseEscape(into: &buffer)
      default:
        if isForbiddenControl(byte) {
          throw error("control character U+\(hex(byte)) in a string (write it as an escape)")
        }
        buffer.append(byte)
        index += 1
      }
    }
  }

  mutating func parseLiteralString() throws(TOMLError) -> String {
    index += 1
    let start = index
    while true {
      guard let byte = peek, byte != UInt8(ascii: "\n"), byte != UInt8(ascii: "\r") else {
        throw error("unterminated string (missing \"'\")")
      }
      if byte == UInt8(ascii: "'") {
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        index += 1
        return text
      }
      if isForbiddenControl(byte) { throw error("control character U+\(hex(byte)) in a string") }
      index += 1
    }
  }

  /// `"""…"""` or `'''…'''`: a newline right after the opening quotes is dropped, and in the basic
  /// form a backslash at the end of a line joins it to the next non-blank character.
  mutating func parseMultilineString(quote: UInt8, escapes: Bool) throws(TOMLError) -> String {
    let openLine = line
    let openColumn = index - lineStart + 1
    index += 3
    _ = try consumeNewline()
    var buffer: [UInt8] = []
    while true {
      guard let byte = peek else {
        throw unterminated(
          "multi-line string: no closing \(String(repeating: quote == UInt8(ascii: "'") ? "'" : "\"", count: 3))",
          line: openLine, column: openColumn)
      }
      if byte == quote {
        var run = 0
        while peek(at: run) == quote { run += 1 }
        if run >= 3 {
          guard run <= 5 else { throw error("too many quotes at the end of a multi-line string") }
          buffer.append(contentsOf: repeatElement(quote, count: run - 3))
          index += run
          return String(decoding: buffer, as: UTF8.self)
        }
        buffer.append(contentsOf: repeatElement(quote, count: run))
        index += run
        continue
      }
      if escapes, byte == UInt8(ascii: "\\") {
        if try joinLineIfEscapedNewline() { continue }
        try parseEscape(into: &buffer)
        continue
      }
      if byte == UInt8(ascii: "\r") {
        guard try consumeNewline() else { continue }
        buffer.append(UInt8(ascii: "\n"))
        continue
      }
      if byte != UInt8(ascii: "\n"), isForbiddenControl(byte) {
        throw error("control character U+\(hex(byte)) in a string")
      }
      buffer.append(byte)
      advance()
    }
  }

  /// A line-ending backslash: skips it, the rest of the line's blanks and all following whitespace.
  mutating func joinLineIfEscapedNewline() throws(TOMLError) -> Bool {
    var look = index + 1
    while look < bytes.count, bytes[look] == UInt8(ascii: " ") || bytes[look] == UInt8(ascii: "\t") { look += 1 }
    guard look < bytes.count, bytes[look] == UInt8(ascii: "\n") || bytes[look] == UInt8(ascii: "\r") else {
      return false
    }
    index = look
    while let byte = peek {
      if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
        index += 1
      } else if try !consumeNewline() {
        break
      }
    }
    return true
  }

  mutating func parseEscape(into buffer: inout [UInt8]) throws(TOMLError) {
    index += 1
    guard let byte = peek else { throw error("unterminated string") }
    index += 1
    let simple: UInt8? =
      switch byte {
      case UInt8(ascii: "b"): 0x08
      case UInt8(ascii: "t"): 0x09
      case UInt8(ascii: "n"): 0x0A
      case UInt8(ascii: "f"): 0x0C
      case UInt8(ascii: "r"): 0x0D
      case UInt8(ascii: "e"): 0x1B
      case UInt8(ascii: "\""): UInt8(ascii: "\"")
      case UInt8(ascii: "\\"): UInt8(ascii: "\\")
      default: nil
      }
    if let simple {
      buffer.append(simple)
      return
    }
    let width: Int
    switch byte {
    case UInt8(ascii: "u"): width = 4
    case UInt8(ascii: "U"): width = 8
    default:
      index -= 1
      throw error("invalid escape '\\\(String(decoding: [byte], as: UTF8.self))' in a string")
    }
    guard index + width <= bytes.count,
      bytes[index..<index + width].allSatisfy({ Self.isDigit($0, radix: 16) }),
      let code = UInt32(String(decoding: bytes[index..<index + width], as: UTF8.self), radix: 16),
      let scalar = Unicode.Scalar(code)
    else {
      throw error(
        "invalid Unicode escape '\\\(String(decoding: [byte], as: UTF8.self))' (needs \(width) hex digits of a valid code point)"
      )
    }
    index += width
    buffer.append(contentsOf: Array(String(Character(scalar)).utf8))
  }
}

/// A line and column, which makes the errors of the table-building functions.
private struct Position {
  let line: Int
  let column: Int

  func error(_ message: String) -> TOMLError {
    TOMLError(line: line, column: column, message: message)
  }
}

/// `a.b."c d"` for messages.
private func dotted(_ path: [String]) -> String {
  path.map { segment in
    segment.utf8.allSatisfy({ byte in
      (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
        || byte == UInt8(ascii: "-")
    }) && !segment.isEmpty ? segment : "\"\(segment)\""
  }.joined(separator: ".")
}
