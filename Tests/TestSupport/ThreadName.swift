import Foundation

/// The calling thread's name as the kernel has it: tests use it to see that blocking work ran on a
/// thread of its own rather than on the task pool.
public func currentThreadName() -> String {
  let text = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
  return text.trimmingCharacters(in: .newlines)
}
