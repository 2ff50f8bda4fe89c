// `bench-follow`: the benchmarks' in-process client (scripts/bench drives it).
//
//   bench-follow follow <base-url> <jobs>        submit <jobs> requests, follow them all at once
//   bench-follow download <url> <destination>    one streamed download
//   bench-follow upload <base-url> <file>        one upload (initiate, then one streamed PUT)
//
// Prints one JSON object on stdout: CPU seconds, peak RSS (getrusage), peak thread count and the
// names of the threads seen, plus what the mode did.
//
// FoundationEssentials only, like the library modules it drives. The full Foundation also loads
// FoundationInternationalization and ICU: this process then took 13.7 ms to start and print its
// usage instead of 8.0 ms, and printing the report looked up ICU data. The transfer benchmark times
// whole processes, so at 10 MB (a ~8 ms transfer) that cost was charged to `FalQueueClient.download`.
import CurlTransport
import FalClient
import FalProtocol
import SystemPackage

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
#if canImport(Glibc)
  import Glibc
#endif

/// Threads of this process by name (`/proc/self/task/*/comm`).
func threadNames() -> [String] {
  let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
  return tasks.compactMap { task in
    (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8))?.trimmingWhitespace()
  }
}

/// Peak thread count and the names seen, sampled while the work runs.
actor ThreadSampler {
  private(set) var peak = 0
  private(set) var names: [String: Int] = [:]

  func sample() {
    let current = threadNames()
    if current.count > peak {
      peak = current.count
      names = Dictionary(current.map { ($0, 1) }, uniquingKeysWith: +)
    }
  }
}

func usage() -> rusage {
  var value = rusage()
  getrusage(RUSAGE_SELF.rawValue, &value)
  return value
}

func seconds(_ time: timeval) -> Double {
  Double(time.tv_sec) + Double(time.tv_usec) / 1e6
}

/// Writes all of `text` to a file descriptor (stdout or stderr).
func emit(_ text: String, to descriptor: Int32) {
  _ = try? FileDescriptor(rawValue: descriptor).writeAll(text.utf8)
}

func fail(_ message: String) -> Never {
  emit("bench-follow: \(message)\n", to: 2)
  exit(2)
}

func printReport(_ extra: [String: JSONValue], sampler: ThreadSampler) async {
  let used = usage()
  var report = extra
  report["cpu_seconds"] = .double(seconds(used.ru_utime) + seconds(used.ru_stime))
  report["max_rss_kb"] = .int(used.ru_maxrss)
  report["threads"] = .int(await sampler.peak)
  report["thread_names"] = .object(await sampler.names.mapValues { .int($0) })
  emit(String(decoding: JSONValue.object(report).encoded(), as: UTF8.self) + "\n", to: 1)
}

let arguments = CommandLine.arguments
guard arguments.count == 4 else {
  fail("usage: bench-follow follow <base-url> <jobs> | download <url> <dest> | upload <base-url> <file>")
}
CurlTransport.initializeLibrary()
let transport: CurlTransport
do { transport = try CurlTransport() } catch { fail("cannot start the transport: \(error)") }
let sampler = ThreadSampler()
// Following samples the thread count every 50 ms; a download only at the end, so that reading
// /proc does not cost the transfer anything.
let samplerTask = Task {
  guard arguments[1] == "follow" else { return }
  while !Task.isCancelled {
    await sampler.sample()
    try? await Task.sleep(for: .milliseconds(50))
  }
}

switch arguments[1] {
case "follow":
  guard let jobs = Int(arguments[3]), jobs > 0, jobs <= 10_000 else { fail("jobs must be 1…10000") }
  let client = FalQueueClient(
    transport: transport, endpoints: FalEndpoints(single: arguments[2]), credentials: Credentials(key: "bench"))
  let endpoint: EndpointID
  do { endpoint = try EndpointID(parsing: "fal-ai/magi-distilled") } catch { fail("\(error)") }
  let input: JSONValue = [
    "prompt": "a red fox in the snow", "resolution": "480p", "num_frames": 96, "num_inference_steps": 4,
    "aspect_ratio": "1:1",
  ]
  let started = Date()
  let outcome = await withTaskGroup(of: (updates: Int, ok: Bool).self) { group in
    for _ in 0..<jobs {
      group.addTask {
        do {
          let receipt = try await client.submit(endpoint, input: input)
          var updates = 0
          var ok = false
          for try await update in client.follow(endpoint, requestID: receipt.requestID) {
            updates += 1
            if update.status.isFinal { ok = !update.status.isFailure }
          }
          return (updates, ok)
        } catch {
          emit("bench-follow: \(error)\n", to: 2)
          return (0, false)
        }
      }
    }
    var updates = 0
    var completed = 0
    for await result in group {
      updates += result.updates
      if result.ok { completed += 1 }
    }
    return (updates: updates, completed: completed)
  }
  await sampler.sample()
  samplerTask.cancel()
  await printReport(
    [
      "mode": "follow", "jobs": .int(jobs), "completed": .int(outcome.completed), "updates": .int(outcome.updates),
      "wall_seconds": .double(Date().timeIntervalSince(started)),
    ], sampler: sampler)
case "download":
  let client = FalQueueClient(
    transport: transport, endpoints: FalEndpoints(single: "http://127.0.0.1:1"), credentials: Credentials(key: "bench"))
  let started = Date()
  let size: Int64
  do { size = try await client.download(arguments[2], to: arguments[3]) } catch { fail("download failed: \(error)") }
  let wall = Date().timeIntervalSince(started)
  await sampler.sample()
  samplerTask.cancel()
  await printReport(["mode": "download", "bytes": .int(Int(size)), "wall_seconds": .double(wall)], sampler: sampler)
case "upload":
  let client = FalQueueClient(
    transport: transport, endpoints: FalEndpoints(single: arguments[2]), credentials: Credentials(key: "bench"))
  let started = Date()
  let url: String
  do { url = try await client.upload(file: arguments[3], contentType: "application/octet-stream") } catch {
    fail("upload failed: \(error)")
  }
  let wall = Date().timeIntervalSince(started)
  await sampler.sample()
  samplerTask.cancel()
  await printReport(["mode": "upload", "url": .string(url), "wall_seconds": .double(wall)], sampler: sampler)
default:
  fail("unknown mode \(arguments[1])")
}
transport.shutdown()
