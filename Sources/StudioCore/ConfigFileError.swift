/// A problem in a theme or config file, worded the way compilers word them (`path:line: message`)
/// so that editors and terminals can jump to the line.
public struct ConfigFileError: Error, Sendable, Hashable, CustomStringConvertible {
  public var path: String
  /// Nil for problems of the whole file (unreadable, not UTF-8).
  public var line: Int?
  public var message: String

  public init(path: String, line: Int?, message: String) {
    self.path = path
    self.line = line
    self.message = message
  }

  /// A syntax error from the TOML reader, placed in `path`.
  public init(path: String, _ error: TOMLError) {
    self.init(path: path, line: error.line, message: error.message)
  }

  public var description: String {
    if let line { return "\(path):\(line): \(message)" }
    return "\(path): \(message)"
  }
}
