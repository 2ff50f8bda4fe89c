/// Reads inference progress ("Step 3/16", tqdm's "3/16 [00:01<…]") out of log lines, so that a
/// progress bar follows the real work rather than a guess from elapsed time.
public enum StepProgress {
  public static func parse(_ message: String) -> (done: Int, total: Int)? {
    let lower = message.lowercased()
    guard lower.contains("step") || lower.contains("%|") || lower.contains("it/s") || lower.contains("s/it") else {
      return nil
    }
    let characters = Array(lower)
    var index = 0
    while index < characters.count {
      guard characters[index] == "/" else {
        index += 1
        continue
      }
      var start = index
      while start > 0, characters[start - 1].isNumber { start -= 1 }
      var end = index + 1
      while end < characters.count, characters[end].isNumber { end += 1 }
      if start < index, end > index + 1, let done = Int(String(characters[start..<index])),
        let total = Int(String(characters[(index + 1)..<end])), total > 0, done <= total
      {
        return (done, total)
      }
      index += 1
    }
    return nil
  }
}
