// A child process for the history's tests: it does one risky thing and says what it acknowledged.
//
//   history-torture append-loop DIR PREFIX COUNT   save PREFIX-0…PREFIX-(COUNT-1), printing each id once saved
//   history-torture disk-full DIR                  save under a tiny RLIMIT_FSIZE until it fails, then recover
//   history-torture save-readonly DIR ID           save into a read-only history (as `nobody` when root)
//   history-torture hold-lock DIR                  hold the history's exclusive lock until stdin closes
//
// Every line it prints is written with one write(2) straight to fd 1, so a kill -9 right after an
// acknowledgement cannot leave that acknowledgement in an unflushed buffer.
import FalProtocol
import HistoryStore

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
#if canImport(Glibc)
  import Glibc
#endif

func say(_ text: String) {
  let line = Array((text + "\n").utf8)
  _ = line.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
}

func fail(_ text: String) -> Never {
  let line = Array((text + "\n").utf8)
  _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
  exit(2)
}

func record(_ id: String, prompt: String? = nil) -> GenerationRecord {
  let prompt = prompt ?? "torture record \(id): a slow pan over a harbour at dusk"
  return GenerationRecord(
    id: id, status: .queued, mode: .textToVideo, input: ["prompt": .string(prompt), "num_frames": 96],
    requestID: "req-\(id)")
}

func setFileSizeLimit(_ bytes: rlim_t) {
  var limit = rlimit()
  getrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &limit)
  limit.rlim_cur = min(bytes, limit.rlim_max)
  if setrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &limit) != 0 { fail("setrlimit failed") }
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else { fail("usage: history-torture append-loop|disk-full|save-readonly DIR …") }
let directory = arguments[2]

switch arguments[1] {
case "append-loop":
  guard arguments.count == 5, let count = Int(arguments[4]) else { fail("append-loop DIR PREFIX COUNT") }
  let store = try await HistoryStore(directory: directory)
  for number in 0..<count {
    let id = "\(arguments[3])-\(number)"
    try await store.save(record(id))
    say(id)
  }

case "disk-full":
  // Writes past the limit fail with EFBIG instead of killing the process with SIGXFSZ.
  signal(SIGXFSZ, SIG_IGN)
  let store = try await HistoryStore(directory: directory)
  setFileSizeLimit(16 * 1024)
  var number = 0
  while true {
    let id = "full-\(number)"
    number += 1
    do {
      try await store.save(record(id, prompt: String(repeating: "a long prompt that fills the disk ", count: 8)))
      say("acked \(id)")
    } catch {
      say("error \(error)")
      let kept = await store.query(HistoryQuery(limit: 1)).summaries.first
      say("kept \(kept?.id ?? "none") saved=\(kept?.isSaved ?? true) unsaved=\(await store.unsavedCount)")
      break
    }
    if number > 10_000 { fail("the file size limit never stopped a write") }
  }
  setFileSizeLimit(rlim_t.max)
  try await store.save(record("after-full"))
  say("acked after-full unsaved=\(await store.unsavedCount)")

case "save-readonly":
  guard arguments.count == 4 else { fail("save-readonly DIR ID") }
  if getuid() == 0 {
    // Root ignores permission bits: become `nobody` so that the read-only directory really is.
    guard setgid(65534) == 0, setuid(65534) == 0 else { fail("cannot drop privileges") }
  }
  let store = try await HistoryStore(directory: directory)
  do {
    try await store.save(record(arguments[3]))
    say("saved \(arguments[3])")
  } catch {
    say("error \(error)")
  }
  let summary = await store.query(HistoryQuery(limit: 1)).summaries.first
  say("kept \(summary?.id ?? "none") saved=\(summary?.isSaved ?? true) count=\(await store.count)")

case "hold-lock":
  // What another process's compaction does for as long as it runs: hold the exclusive lock.
  let lock = open(directory + "/history.jsonl.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
  guard lock >= 0, flock(lock, LOCK_EX) == 0 else { fail("cannot take the lock") }
  say("locked")
  var byte: UInt8 = 0
  while read(0, &byte, 1) > 0 {}
// Exiting releases the lock.

default:
  fail("unknown mode \(arguments[1])")
}
