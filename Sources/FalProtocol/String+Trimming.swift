extension StringProtocol {
  /// The string without leading and trailing whitespace and newlines.
  ///
  /// Foundation's `trimmingCharacters(in:)` is not in FoundationEssentials, which the core modules
  /// use to keep the full Foundation (and ICU) out of the studio's start-up.
  public func trimmingWhitespace() -> String {
    trimming { $0.isWhitespace }
  }

  /// The string without leading and trailing characters that match `predicate`.
  public func trimming(where predicate: (Character) -> Bool) -> String {
    guard let first = firstIndex(where: { !predicate($0) }), let last = lastIndex(where: { !predicate($0) }) else {
      return ""
    }
    return String(self[first...last])
  }
}
