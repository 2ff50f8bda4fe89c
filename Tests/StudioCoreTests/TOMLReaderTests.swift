import StudioCore
import Testing

/// The TOML reader: what theme and config files may contain, and that every syntax error names the
/// line it is on (the promise "a broken theme file gives a message naming the line" starts here).
@Suite struct TOMLReaderTests {
  func parse(_ text: String) throws -> TOMLTable {
    try TOMLReader.parse(text)
  }

  /// The error for `text`, which must fail to parse.
  func failure(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> TOMLError? {
    do {
      _ = try TOMLReader.parse(text)
      Issue.record("expected a syntax error", sourceLocation: sourceLocation)
      return nil
    } catch {
      return error
    }
  }

  @Test func scalarsOfEveryKindAreRead() throws {
    let table = try parse(
      """
      # a comment
      name = "dark"   # trailing comment
      literal = 'C:\\path\\no escapes'
      count = 42
      negative = -17
      big = 1_000_000
      hex = 0xff
      octal = 0o17
      binary = 0b101
      price = 0.08
      exponent = 2.5e-3
      positive = +3.0
      infinite = -inf
      yes = true
      no = false
      """)
    #expect(table["name"] == .string("dark"))
    #expect(table["literal"] == .string("C:\\path\\no escapes"))
    #expect(table["count"] == .integer(42))
    #expect(table["negative"] == .integer(-17))
    #expect(table["big"] == .integer(1_000_000))
    #expect(table["hex"] == .integer(255))
    #expect(table["octal"] == .integer(15))
    #expect(table["binary"] == .integer(5))
    #expect(table["price"] == .float(0.08))
    #expect(table["exponent"] == .float(0.0025))
    #expect(table["positive"] == .float(3.0))
    #expect(table["infinite"] == .float(-.infinity))
    #expect(table["yes"] == .boolean(true))
    #expect(table["no"] == .boolean(false))
    #expect(table.keys.first == "name", "keys keep file order")
  }

  @Test func basicStringEscapesAreDecoded() throws {
    let table = try parse(#"s = "tab\there \"quoted\" back\\slash \u00e9 \U0001F600 nl\n""#)
    #expect(table["s"] == .string("tab\there \"quoted\" back\\slash é 😀 nl\n"))
  }

  @Test func multiLineStringsDropTheFirstNewlineAndJoinEscapedLineEnds() throws {
    let table = try parse(
      "a = \"\"\"\nfirst\nsecond\"\"\"\nb = \"\"\"one \\\n    two\"\"\"\nc = '''\nraw \\n'''\nline = 9\n")
    #expect(table["a"] == .string("first\nsecond"))
    #expect(table["b"] == .string("one two"))
    #expect(table["c"] == .string("raw \\n"))
    #expect(table.line(of: "line") == 8, "newlines inside strings are counted")
  }

  @Test func tablesDottedAndQuotedKeysNest() throws {
    let table = try parse(
      """
      top = 1
      [prices]
      distilled = 0.08
      [a.b]
      c.d = "deep"
      "quoted key" = 2
      'literal key' = 3
      """)
    let prices = try #require(table["prices"]?.tableValue)
    #expect(prices["distilled"] == .float(0.08))
    #expect(prices.line == 2)
    let b = try #require(table["a"]?.tableValue?["b"]?.tableValue)
    #expect(b["c"]?.tableValue?["d"] == .string("deep"))
    #expect(b["quoted key"] == .integer(2))
    #expect(b["literal key"] == .integer(3))
    #expect(b.line(of: "quoted key") == 6)
  }

  @Test func arraysAndInlineTablesIncludingMultiLineOnes() throws {
    let table = try parse(
      """
      selection = { fg = "#ff0000", bg = "blue", modifiers = ["bold", "reverse"] }
      list = [
        1, # one
        2,
      ]
      nested = { a = { b = 1 }, c.d = 2 }
      wide = {
        fg = "red",
      }
      empty = []
      """)
    let selection = try #require(table["selection"]?.tableValue)
    #expect(selection["fg"] == .string("#ff0000"))
    #expect(selection["modifiers"] == .array([.string("bold"), .string("reverse")]))
    #expect(table["list"] == .array([.integer(1), .integer(2)]))
    #expect(table["nested"]?.tableValue?["a"]?.tableValue?["b"] == .integer(1))
    #expect(table["nested"]?.tableValue?["c"]?.tableValue?["d"] == .integer(2))
    #expect(table["wide"]?.tableValue?["fg"] == .string("red"))
    #expect(table.line(of: "wide") == 7)
    #expect(table.line(of: "empty") == 10)
    #expect(table["empty"] == .array([]))
  }

  @Test func windowsLineEndingsAndAByteOrderMarkAreAccepted() throws {
    let table = try parse("\u{FEFF}a = 1\r\nb = \"x\"\r\n")
    #expect(table["a"] == .integer(1))
    #expect(table.line(of: "b") == 2)
  }

  @Test(arguments: [
    // (input, line, message fragment)
    ("a = 1\nb = \n", 2, "expected a value"),
    ("a = 1\n\nname = \"unterminated\n", 3, "unterminated string"),
    ("a = 1\nb = 2\na = 3\n", 3, "duplicate key 'a' (first defined on line 1)"),
    ("[t]\nx = 1\n[t]\n", 3, "table [t] is already defined on line 1"),
    ("a = 1\nb = 2 3\n", 2, "expected the end of the line"),
    ("ok = 1\nkey \"value\"\n", 2, "expected '=' after the key 'key'"),
    ("s = \"bad \\q escape\"\n", 1, "invalid escape '\\q'"),
    ("a = 1\nn = 1__0\n", 2, "invalid number '1__0'"),
    ("n = 012\n", 1, "invalid number '012'"),
    ("x = 1\n\nlist = [1, 2\n\n", 3, "unterminated array: this '[' is never closed"),
    ("x = 1\nt = { a = 1,\n", 2, "unterminated inline table"),
    ("x = [1 2]\n", 1, "expected ',' or ']'"),
    ("t = { a = 1 b = 2 }\n", 1, "expected ',' or '}'"),
    ("a = 1\ncolor = red\n", 2, "strings need quotes"),
    ("when = 1979-05-27\n", 1, "dates and times are not supported"),
    ("x = 1\n[[items]]\n", 2, "arrays of tables"),
    ("[fruit]\napple.color = \"red\"\n[fruit.apple]\n", 3, "already defined by a dotted key on line 2"),
    ("a = 1\na.b = 2\n", 2, "'a' is already a value (line 1)"),
    ("t = { a = 1 }\n[t]\n", 2, "inline table"),
    ("[t\nx = 1\n", 1, "expected ']' to close the table header"),
    ("= 1\n", 1, "expected a key"),
    ("a = 1\ns = \"\"\"never closed\n\n", 2, "unterminated multi-line string"),
    ("u = \"\\uZZZZ\"\n", 1, "invalid Unicode escape"),
  ])
  func syntaxErrorsNameTheirLine(input: String, line: Int, fragment: String) {
    guard let error = failure(input) else { return }
    #expect(error.line == line, "\(error)")
    #expect(error.message.contains(fragment), "\(error)")
    #expect(error.description.hasPrefix("line \(line): "))
  }

  @Test func theColumnPointsAtTheProblem() {
    let error = failure("a = 1\nb = 2 3\n")
    #expect(error?.column == 7)
  }
}
