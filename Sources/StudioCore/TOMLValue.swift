/// A value read from a TOML file: the subset the studio's theme and config files use.
///
/// Dates and times are left out on purpose: no studio setting is a date, and rejecting them with a
/// line number is clearer than carrying a type nobody reads.
public enum TOMLValue: Sendable, Hashable {
  case string(String)
  case integer(Int)
  case float(Double)
  case boolean(Bool)
  case array([TOMLValue])
  case table(TOMLTable)

  /// How error messages name the type ("expected a string, found an integer").
  public var typeName: String {
    switch self {
    case .string: "a string"
    case .integer: "an integer"
    case .float: "a number"
    case .boolean: "a boolean"
    case .array: "an array"
    case .table: "a table"
    }
  }

  public var stringValue: String? {
    if case .string(let value) = self { return value }
    return nil
  }

  public var integerValue: Int? {
    if case .integer(let value) = self { return value }
    return nil
  }

  /// Integers read as numbers too: `price = 1` means 1.0, and rejecting it would only annoy.
  public var doubleValue: Double? {
    switch self {
    case .float(let value): value
    case .integer(let value): Double(value)
    default: nil
    }
  }

  public var boolValue: Bool? {
    if case .boolean(let value) = self { return value }
    return nil
  }

  public var arrayValue: [TOMLValue]? {
    if case .array(let value) = self { return value }
    return nil
  }

  public var tableValue: TOMLTable? {
    if case .table(let value) = self { return value }
    return nil
  }
}
