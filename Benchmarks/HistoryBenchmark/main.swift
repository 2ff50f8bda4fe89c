// history-benchmark: the history at 100,000 records, in a temporary directory.
//
//   swift run -c release history-benchmark [RECORDS] [--keep]
//   swift run -c release history-benchmark open DIR     (time opening an existing history, e.g. under perf)
//   swift run -c release history-benchmark snapshot DIR (open it, then save its index as history.index)
//   swift run -c release history-benchmark write DIR COUNT [--no-videos]
//                                                    (the history scripts/bench starts the studio on)
//
// Not a test (timings depend on the machine); it prints a table to compare against the targets:
// open + first page well under a second, and an append that does not grow with the history.
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

let clock = ContinuousClock()
if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "open" {
  let start = clock.now
  let store = try await HistoryStore(directory: CommandLine.arguments[2])
  let page = await store.query(HistoryQuery(limit: 50))
  print("opened \(page.totalMatches) records, first page \(page.summaries.count), in \(clock.now - start)")
  exit(0)
}
if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "snapshot" {
  let store = try await HistoryStore(directory: CommandLine.arguments[2])
  let start = clock.now
  await store.saveIndexSnapshot()
  print("saved the index of \(await store.count) records in \(clock.now - start)")
  exit(0)
}
if CommandLine.arguments.count >= 4, CommandLine.arguments[1] == "write", let count = Int(CommandLine.arguments[3]) {
  let videos = !CommandLine.arguments.dropFirst(4).contains("--no-videos")
  let bytes = try await SyntheticHistory.write(directory: CommandLine.arguments[2], count: count, videos: videos)
  print("{\"records\":\(count),\"bytes\":\(bytes)}")
  exit(0)
}
let total = CommandLine.arguments.dropFirst().compactMap { Int($0) }.first ?? 100_000
let keep = CommandLine.arguments.contains("--keep")

func milliseconds(_ duration: Duration) -> Double {
  Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

/// `value` with `digits` decimals (FoundationEssentials has no `String(format:)`).
func fixed(_ value: Double, _ digits: Int, _ unit: String) -> String {
  var scale = 1.0
  for _ in 0..<digits { scale *= 10 }
  let scaled = Int((value * scale).rounded())
  let whole = String(scaled / Int(scale))
  guard digits > 0 else { return whole + " " + unit }
  let fraction = String(abs(scaled) % Int(scale))
  return whole + "." + String(repeating: "0", count: digits - fraction.count) + fraction + " " + unit
}

func median(_ values: [Double]) -> Double {
  let sorted = values.sorted()
  return sorted[sorted.count / 2]
}

let subjects = ["a red fox", "a harbour at dusk", "a neon city street", "waves on black sand", "a paper boat"]
let moves = ["slow pan", "drone shot", "close-up", "time-lapse", "dolly zoom"]
let statuses: [GenerationStatus] = [.completed, .completed, .completed, .failed, .cancelled, .lost]

/// A finished job as the studio would save it: full input, 20 log lines, result, file, billing.
func record(_ number: Int) -> GenerationRecord {
  let mode = MagiMode.allCases[number % 3]
  let prompt =
    "\(moves[number % 5]) of \(subjects[(number / 5) % 5]), cinematic lighting, 35mm film grain, shot \(number)"
  var input: [String: JSONValue] = [
    "prompt": .string(prompt), "num_frames": 96, "resolution": "720p", "num_inference_steps": 16, "seed": .int(number),
  ]
  if let field = mode.sourceField { input[field] = .string("https://v3.fal.media/files/rabbit/src-\(number).png") }
  let created = Date(timeIntervalSince1970: 1_780_000_000 + Double(number) * 60)
  var record = GenerationRecord(
    id: "gen-\(number)", createdAt: created, mode: mode, input: .object(input),
    requestID: "764cabcf-b745-4b3e-ae38-\(String(number, radix: 16))")
  record.transition(to: .queued, at: created.addingTimeInterval(1))
  record.transition(to: .running, at: created.addingTimeInterval(5))
  record.appendLogs(
    (1...20).map { LogEntry(message: "Denoising step \($0)/20", timestamp: "2026-06-01T10:00:\($0 + 10).123456+00:00") }
  )
  record.progress = GenerationRecord.Progress(stepsDone: 16, stepsTotal: 16)
  record.transition(to: statuses[number % statuses.count], at: created.addingTimeInterval(90))
  record.result = GenerationRecord.Output(
    videoURL: "https://v3.fal.media/files/zebra/out-\(number).mp4", contentType: "video/mp4", fileSize: 2_400_000,
    seed: number)
  record.localFile = GenerationRecord.LocalFile(
    path: "/home/user/.local/share/magi-studio/videos/gen-\(number).mp4", sha256: String(repeating: "5e", count: 32))
  record.billing = GenerationRecord.Billing(units: 4, pricePerUnit: 0.08)
  return record
}

var template = Array("/tmp/history-benchmark-XXXXXX".utf8CString)
guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { fatalError("mkdtemp") }
let directory = String(cString: made)
defer {
  if keep {
    print("kept \(directory)")
  } else {
    for name in ["history.jsonl", "history.jsonl.lock", "history.jsonl.corrupt"] { unlink(directory + "/" + name) }
    rmdir(directory)
  }
}

print("history-benchmark: \(total) records in \(directory)")
let fillStart = clock.now
do {
  let store = try await HistoryStore(directory: directory)
  var batch: [GenerationRecord] = []
  for number in 0..<total {
    batch.append(record(number))
    if batch.count == 5_000 || number == total - 1 {
      try await store.save(contentsOf: batch)
      batch.removeAll(keepingCapacity: true)
    }
  }
}
let fill = clock.now - fillStart

var info = stat()
stat(directory + "/history.jsonl", &info)
let fileSize = Double(info.st_size)

var rows: [(String, String)] = []
rows.append(("write \(total) records (batches of 5,000)", fixed(milliseconds(fill), 0, "ms")))

/// Opens the history and reads its first page three times (the file is in the page cache after the
/// first): the median time, and the last store.
func timedOpens() async throws -> (milliseconds: Double, store: HistoryStore) {
  var opens: [Double] = []
  var store: HistoryStore?
  for _ in 0..<3 {
    let start = clock.now
    let opened = try await HistoryStore(directory: directory)
    let page = await opened.query(HistoryQuery(limit: 50))
    precondition(page.summaries.count == 50 && page.totalMatches >= total)
    opens.append(milliseconds(clock.now - start))
    store = opened
  }
  guard let store else { fatalError("no open") }
  return (median(opens), store)
}

let (coldOpen, store) = try await timedOpens()
rows.append(("open + first page of 50 (median of 3)", fixed(coldOpen, 1, "ms")))
// The same with the saved index (history.index), as a start after the studio has quit once.
let saving = clock.now
await store.saveIndexSnapshot()
rows.append(("save the index (history.index)", fixed(milliseconds(clock.now - saving), 1, "ms")))
let (warmOpen, _) = try await timedOpens()
rows.append(("open + first page, saved index (median of 3)", fixed(warmOpen, 1, "ms")))
// A `generate` in another shell appended since the index was saved: the history's size and times
// no longer match the snapshot's stamp, so the whole covered part is hashed again before it is used.
try await store.save(record(total * 2))
let (appendedOpen, _) = try await timedOpens()
rows.append(("open + first page, saved index, 1 line appended since", fixed(appendedOpen, 1, "ms")))

@MainActor func timed(_ label: String, runs: Int = 5, _ body: () async throws -> Int) async rethrows {
  var times: [Double] = []
  var matches = 0
  for _ in 0..<runs {
    let start = clock.now
    matches = try await body()
    times.append(milliseconds(clock.now - start))
  }
  rows.append(("\(label) [\(matches) matches]", fixed(median(times), 1, "ms")))
}

await timed("text filter \"harbour\" over all") { await store.query(HistoryQuery(text: "harbour")).totalMatches }
await timed("text filter, no match") { await store.query(HistoryQuery(text: "zebra crossing")).totalMatches }
await timed("status filter failed") { await store.query(HistoryQuery(statuses: [.failed])).totalMatches }
await timed("status+mode+date, page 3") {
  await store.query(
    HistoryQuery(
      statuses: [.completed], modes: [.imageToVideo],
      createdFrom: Date(timeIntervalSince1970: 1_780_000_000 + 86_400 * 10),
      offset: 100, limit: 50)
  ).totalMatches
}
try await timed("record(id:) full decode of one") { try await store.record(id: "gen-\(total / 2)") == nil ? 0 : 1 }

// Appends at 100,000: each is write + fsync under the lock.
var appends: [Double] = []
for number in 0..<100 {
  var late = record(total + number)
  late.transition(to: .queued)
  let start = clock.now
  try await store.save(late)
  appends.append(milliseconds(clock.now - start))
}
rows.append(("append at \(total) (median of 100, fsync incl.)", fixed(median(appends), 2, "ms")))
rows.append(("append at \(total) (90th percentile)", fixed(appends.sorted()[89], 2, "ms")))

// The same append on an empty history, for comparison.
var small: [Double] = []
do {
  var smallTemplate = Array("/tmp/history-benchmark-small-XXXXXX".utf8CString)
  guard let smallMade = smallTemplate.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { fatalError() }
  let smallDirectory = String(cString: smallMade)
  let empty = try await HistoryStore(directory: smallDirectory)
  for number in 0..<100 {
    let start = clock.now
    try await empty.save(record(number))
    small.append(milliseconds(clock.now - start))
  }
  for name in ["history.jsonl", "history.jsonl.lock"] { unlink(smallDirectory + "/" + name) }
  rmdir(smallDirectory)
}
rows.append(("append at 0..100 (median of 100)", fixed(median(small), 2, "ms")))

let exportPath = directory + "/export.json"
let exportStart = clock.now
let exported = try await store.export(to: exportPath)
rows.append(("export \(exported) records to a JSON array", fixed(milliseconds(clock.now - exportStart), 0, "ms")))
unlink(exportPath)

let compactStart = clock.now
try await store.compact()
rows.append(("compact (nothing dead, full rewrite)", fixed(milliseconds(clock.now - compactStart), 0, "ms")))

rows.append(("file size", fixed(fileSize / 1_000_000, 1, "MB")))
rows.append(("file size per record", fixed(fileSize / Double(total), 0, "bytes")))

let width = rows.map(\.0.count).max() ?? 0
print(String(repeating: "-", count: width + 14))
for (label, value) in rows {
  print(
    label + String(repeating: " ", count: width - label.count) + "  "
      + String(repeating: " ", count: max(0, 12 - value.count)) + value)
}
