import Foundation
import StudioCore
import Testing

/// Config and theme files are read before the studio draws anything, so a hostile or broken one
/// must give a clear error at once: no stack overflow from deep nesting, no quadratic time or
/// memory from long headers or big tables, no file read whole when it is far too large.
///
/// The deadlines below only stop a regression from hanging the suite (before the fix these took
/// minutes); they are generous and measure nothing.
@Suite struct TOMLHostileInputTests {
  func failure(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> TOMLError? {
    do {
      _ = try TOMLReader.parse(text)
      Issue.record("expected an error", sourceLocation: sourceLocation)
      return nil
    } catch {
      return error
    }
  }

  @Test func thirtyThousandNestedInlineTablesAreAnErrorNotACrash() throws {
    let depth = 30_000
    let text = "a = " + String(repeating: "{ a = ", count: depth) + "1" + String(repeating: " }", count: depth) + "\n"
    let error = try #require(failure(text))
    #expect(error.line == 1)
    #expect(error.message.contains("nested more than 64 levels"), "\(error)")
  }

  @Test func aHundredThousandNestedArraysAreAnErrorNotACrash() throws {
    let depth = 100_000
    let text = "x = " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n"
    let error = try #require(failure(text))
    #expect(error.message.contains("nested more than 64 levels"), "\(error)")
  }

  @Test func nestingUpToTheLimitIsRead() throws {
    // 1 level for the key, 63 arrays: exactly 64.
    let arrays = TOMLReader.maximumDepth - 1
    let table = try TOMLReader.parse(
      "x = " + String(repeating: "[", count: arrays) + String(repeating: "]", count: arrays))
    var value = try #require(table["x"])
    for _ in 1..<arrays { value = try #require(value.arrayValue?.first) }
    #expect(value.arrayValue == [])
    #expect(
      failure("x = " + String(repeating: "[", count: arrays + 1) + String(repeating: "]", count: arrays + 1)) != nil)
  }

  @Test func aTenThousandPartHeaderIsAnErrorAtOnce() throws {
    let text = "# a theme\n[" + Array(repeating: "h", count: 10_000).joined(separator: ".") + "]\nx = 1\n"
    let started = ContinuousClock.now
    let error = try #require(failure(text))
    #expect(error.line == 2)
    #expect(error.message.contains("nested more than 64 levels"), "\(error)")
    #expect(ContinuousClock.now - started < .seconds(10))
  }

  @Test func aLongDottedKeyAndDeepHeaderPlusKeyCountTogether() throws {
    let header = Array(repeating: "t", count: 40).joined(separator: ".")
    let key = Array(repeating: "k", count: 30).joined(separator: ".")
    let error = try #require(failure("[\(header)]\n\(key) = 1\n"))
    #expect(error.line == 2)
    let fits = Array(repeating: "k", count: 24).joined(separator: ".")
    #expect(throws: Never.self) { try TOMLReader.parse("[\(header)]\n\(fits) = 1\n") }
  }

  @Test func aHundredThousandKeysInOneTableAreReadInLinearTime() throws {
    let count = 100_000
    var text = "[t]\n"
    for index in 0..<count { text += "k\(index)=1\n" }
    #expect(text.utf8.count <= TOMLReader.maximumBytes)
    let started = ContinuousClock.now
    let table = try TOMLReader.parse(text)
    let inner = try #require(table["t"]?.tableValue)
    #expect(inner.count == count)
    #expect(inner.line(of: "k99999") == count + 1)
    #expect(ContinuousClock.now - started < .seconds(30), "took \(ContinuousClock.now - started)")
  }

  @Test func manyDeepDottedKeysAreReadInLinearTime() throws {
    // Every line walks 60 levels: a full mebibyte of them stays linear.
    let prefix = Array(repeating: "a", count: 60).joined(separator: ".")
    var text = ""
    var index = 0
    while text.utf8.count < TOMLReader.maximumBytes - 200 {
      text += "\(prefix).k\(index) = 1\n"
      index += 1
    }
    let started = ContinuousClock.now
    var table = try TOMLReader.parse(text)
    for _ in 0..<60 { table = try #require(table["a"]?.tableValue) }
    #expect(table.count == index)
    #expect(ContinuousClock.now - started < .seconds(30), "took \(ContinuousClock.now - started)")
  }

  @Test func aFileLargerThanTheLimitIsRefused() throws {
    let text = String(repeating: "# padding\n", count: TOMLReader.maximumBytes / 10 + 1)
    let error = try #require(failure(text))
    #expect(error.message.contains("larger than 1 MiB"))
  }

  @Test func reopeningRulesStillHoldWithTablesChangedInPlace() throws {
    #expect(failure("[a]\nx = 1\n[a]\n")?.message == "table [a] is already defined on line 1")
    #expect(failure("a.b = 1\n[a.b]\n")?.line == 2)
    #expect(failure("[a.b]\n[a]\nb = 1\n")?.message.contains("duplicate key 'b'") == true)
    #expect(failure("x = { a = 1 }\n[x.b]\n")?.message.contains("inline table") == true)
    #expect(failure("[t]\na.b = 1\n[t.a]\n")?.message.contains("dotted key") == true)
    let table = try TOMLReader.parse("[a.b]\nx = 1\n[a]\ny = 2\n[a.c]\nz = 3\n")
    #expect(table["a"]?.tableValue?.orderedEntries.map(\.key) == ["b", "y", "c"])
    #expect(table["a"]?.tableValue?["b"]?.tableValue?["x"] == .integer(1))
  }

  @Test func configAndThemeFilesLargerThanTheLimitAreNotReadWhole() throws {
    let directory = NSTemporaryDirectory() + "magi-toml-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let big = Data(repeating: UInt8(ascii: "#"), count: TOMLReader.maximumBytes + 1)
    try big.write(to: URL(fileURLWithPath: directory + "/config.toml"))
    let loaded = StudioConfig.load(path: directory + "/config.toml")
    #expect(
      loaded.errors.map(\.description) == [
        "\(directory)/config.toml: is larger than 1 MiB (1048577 bytes); not read; using the defaults"
      ])
    try big.write(to: URL(fileURLWithPath: directory + "/huge.toml"))
    let library = ThemeLibrary(directories: [directory])
    #expect(library.messages.contains { $0.hasPrefix(directory + "/huge.toml: is larger than 1 MiB") })
  }

  @Test func aDeeplyNestedThemeThatIsNotSelectedIsAWarning() throws {
    let deep = "x = " + String(repeating: "[", count: 100_000) + "\n"
    let library = ThemeLibrary(layers: [[.init(name: "deep", path: "/t/deep.toml", text: deep)]])
    #expect(library.theme(named: "dark") != nil)
    #expect(
      library.messages.first?.hasPrefix("/t/deep.toml:1: nested more than 64 levels") == true, "\(library.messages)")
  }
}
