/// A TOML syntax error with the line (and column) it was found on, counted from 1.
public struct TOMLError: Error, Sendable, Hashable, CustomStringConvertible {
  public var line: Int
  /// In UTF-8 bytes from the start of the line: exact for the ASCII that TOML syntax is made of.
  public var column: Int
  public var message: String

  public init(line: Int, column: Int, message: String) {
    self.line = line
    self.column = column
    self.message = message
  }

  public var description: String { "line \(line): \(message)" }
}
