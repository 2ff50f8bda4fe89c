// Child process for QuietExecutorTests: installs the quiet executor as a real program does, first
// thing in `main`, and prints where tasks and a `Task.sleep`'s continuation ran. The test process
// itself cannot: its default executor is fixed before any test runs.
import Glibc
import QuietExecutor

/// The calling thread's name, as `top -H` shows it.
func currentThreadName() -> String {
  guard let file = fopen("/proc/thread-self/comm", "r") else { return "?" }
  defer { fclose(file) }
  var name = [CChar](repeating: 0, count: 32)
  guard fgets(&name, Int32(name.count), file) != nil else { return "?" }
  return String(decoding: name.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

let installed = QuietExecutor.installAsDefault()
let taskThread = await Task.detached { currentThreadName() }.value
let sleptThread = await Task.detached {
  try? await Task.sleep(for: .milliseconds(20))
  return currentThreadName()
}.value
print("installed=\(installed) task=\(taskThread) after-sleep=\(sleptThread)")
