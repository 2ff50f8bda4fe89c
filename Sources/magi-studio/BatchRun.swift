import FalClient
import FalProtocol
import HistoryStore
import StudioCore

/// One job of a batch: a request checked against the schema, and what it is sent with.
struct BatchJob: Sendable {
  var request: MagiRequest
  var source: MediaInput?
  var options: FalQueueClient.SubmitOptions = .init()
  var parentID: String?
  /// Where the job comes from, for messages: `job 3` (a variation) or `line 3` (a batch file).
  var label: String
}

/// Runs a batch (`generate` with variations, `batch FILE`): every job submitted under one batch id
/// and followed to its end, at most `maxParallel` in flight at once, each result printed as it
/// lands, then one summary line on stderr. A 429 at submit is waited out by the client (it honours
/// `Retry-After`; the session's ``RetryPolicy/batch`` allows 30 refusals, so a long storm slows the
/// batch instead of failing its jobs) and the same submit is sent again: fal took nothing, so
/// nothing is duplicated; a submit whose reply was lost is never resent (the record says `unknown`).
enum BatchRun {
  struct Options {
    var maxParallel = 4
    var json = false
    var copyDirectory: String?
  }

  /// How one job ended.
  struct Outcome: Sendable {
    var index: Int
    var record: GenerationRecord?
    /// Nil when the job completed with its video.
    var failure: CommandFailure?
  }

  /// Runs `jobs` and returns the exit code: 0 when every job completed with its video, else the
  /// code the failures share (1 when they differ).
  static func run(_ jobs: [BatchJob], session: Session, options: Options) async -> Int32 {
    let batchID = GenerationRunner.newBatchID()
    Console.line(
      "batch \(batchID): \(jobs.count) job\(jobs.count == 1 ? "" : "s"), at most \(options.maxParallel) at once")
    var outcomes: [Outcome] = []
    let interrupt = BatchInterrupt(batchID: batchID, total: jobs.count)
    defer { interrupt.disarm() }
    await withTaskGroup(of: Outcome.self) { group in
      var next = 0
      func startNext() {
        guard next < jobs.count else { return }
        let index = next
        let job = jobs[index]
        next += 1
        interrupt.jobStarted()
        group.addTask { await runOne(job, index: index, batchID: batchID, session: session, options: options) }
      }
      for _ in 0..<min(options.maxParallel, jobs.count) { startNext() }
      while let outcome = await group.next() {
        report(outcome, of: jobs, json: options.json)
        outcomes.append(outcome)
        startNext()
      }
    }
    outcomes.sort { $0.index < $1.index }
    Console.line(summary(outcomes, jobs: jobs, batchID: batchID))
    return exitCode(outcomes)
  }

  private static func runOne(_ job: BatchJob, index: Int, batchID: String, session: Session, options: Options) async
    -> Outcome
  {
    do {
      let record = try await studio {
        try await session.jobs.submit(
          job.request, source: job.source, parentID: job.parentID, options: job.options,
          copyDirectory: options.copyDirectory.map(StoreOptions.absolute), batchID: batchID)
      }
      let final = try await studio { try await FollowGiveUp.follow(session, recordID: record.id) }
      guard final.status == .completed, final.localFile != nil else {
        let failure = CommandFailure(
          message: "\(final.status.rawValue): \(final.failure?.message ?? "no video")",
          code: final.status == .cancelled
            ? ExitStatus.cancelled : ExitStatus.code(forFailureType: final.failure?.type))
        return Outcome(index: index, record: final, failure: failure)
      }
      return Outcome(index: index, record: final, failure: nil)
    } catch let failure as CommandFailure {
      return Outcome(index: index, record: nil, failure: failure)
    } catch {
      return Outcome(index: index, record: nil, failure: CommandFailure(message: "\(error)", code: 1))
    }
  }

  /// One line on stdout per job, as it ends: the record as JSON (with `job`, and `error` and
  /// `exit_code` when it failed), or `id  status  where the video is / why not`.
  static func report(_ outcome: Outcome, of jobs: [BatchJob], json: Bool) {
    let label = jobs[outcome.index].label
    if json {
      var extra: [String: JSONValue] = ["job": .string(label)]
      if let failure = outcome.failure {
        extra["error"] = .string(failure.message)
        extra["exit_code"] = .int(Int(failure.code))
      }
      if let record = outcome.record, let copy = record.copyDirectory, let local = record.localFile {
        extra["copy"] = .string(VideoCopy.target(of: local.path, in: copy))
      }
      let object = outcome.record.map { RecordJSON.object($0, extra: extra) } ?? .object(extra)
      Console.stdout(GenerateCommand.jsonString(object))
      return
    }
    let id = outcome.record?.id ?? "-"
    if let failure = outcome.failure {
      Console.stdout("\(label)  \(id)  failed  \(failure.message)")
    } else {
      Console.stdout("\(label)  \(id)  completed  \(outcome.record?.localFile?.path ?? "")")
    }
  }

  /// `batch ID: 4 jobs, 3 completed, 1 failed (job 2: failed: …)`.
  static func summary(_ outcomes: [Outcome], jobs: [BatchJob], batchID: String) -> String {
    let failed = outcomes.filter { $0.failure != nil }
    let head =
      "batch \(batchID): \(outcomes.count) job\(outcomes.count == 1 ? "" : "s"), \(outcomes.count - failed.count) completed"
    guard !failed.isEmpty else { return head + ", none failed" }
    let shown = failed.prefix(5).map { "\(jobs[$0.index].label): \($0.failure?.message ?? "")" }
    let more = failed.count > shown.count ? "; and \(failed.count - shown.count) more" : ""
    return head
      + ", \(failed.count) failed (\(shown.joined(separator: "; "))\(more)); see `magi-studio history --batch \(batchID)`"
  }

  static func exitCode(_ outcomes: [Outcome]) -> Int32 {
    let codes = Set(outcomes.compactMap { $0.failure?.code })
    if codes.isEmpty { return 0 }
    return codes.count == 1 ? codes.first ?? 1 : 1
  }
}
