import ArgumentParser
import FalClient
import FalProtocol
import Foundation
import StudioCore
import TerminalScreen

/// Runs every request of a file as one batch: JSON Lines or CSV, all read and checked first.
struct BatchCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "batch",
    abstract: "Run every request of a JSON Lines or CSV file as one batch.",
    discussion: """
      JSON Lines: one request object per line, any mode ({"prompt": "…", "image": "first.png", \
      "steps": 8}). CSV: a header of parameter names, then one request per row (an empty cell \
      leaves fal's default). Names: prompt, mode, model, image, video, num_frames, seed, \
      resolution, num_inference_steps (or steps), aspect_ratio, start_frame, enable_safety_checker. \
      A local image or video is read relative to the file's directory. Every line is checked before \
      anything is sent: a bad one is refused with its line and column (exit 64). Each job is \
      followed to its end; the exit code is 0 only if every job completed.
      """)

  @Argument(help: ArgumentHelp("The batch file (JSON Lines or CSV), or - for stdin.", valueName: "file"))
  var file: String

  @Option(help: ArgumentHelp("At most this many jobs in flight at once.", valueName: "n"))
  var maxParallel = 4

  @Flag(help: "Print one JSON line per job on stdout.")
  var json = false

  @Option(help: ArgumentHelp("Download each video into this directory as well.", valueName: "dir"))
  var download: String?

  @Flag(help: "Send small local files inline as data URIs instead of uploading them.")
  var inline = false

  @Flag(help: "Send no webhook, not even config.toml's default one.")
  var noWebhook = false

  @Flag(help: "Print each request body and the total estimate; send nothing.")
  var dryRun = false

  @Flag(help: "Submit even when config.toml's [budget] would be passed.")
  var yes = false

  @Flag(help: "Say how each source is sent (upload route, fallback, reuse) on stderr.")
  var verbose = false

  @OptionGroup var connection: ConnectionOptions
  @OptionGroup var store: StoreOptions

  func validate() throws {
    guard maxParallel >= 1 else { throw ValidationError("--max-parallel must be 1 or more, not \(maxParallel)") }
  }

  func run() async throws {
    try await reportingFailures {
      let jobs = try readJobs()
      if let download { try OutputDirectory.prepare(download) }
      if dryRun {
        var total = 0.0
        for job in jobs {
          Console.stdout(String(decoding: job.request.body.encoded(), as: UTF8.self))
          total += job.request.estimatedPrice()
        }
        Console.line("\(file): \(jobs.count) job\(jobs.count == 1 ? "" : "s"), about \(Figures.dollars(total)) in all")
        return
      }
      let hook = noWebhook ? nil : StudioConfig.load(paths: store.paths).config.webhook
      let code = try await Session.using(
        connection, store: store, verbose: verbose, retryPolicy: .batch, events: JobEventPrinter(labelled: true)
      ) { session in
        try await BudgetGate.check(
          jobs.map(\.request), session: session, paths: store.paths, yes: yes)
        return await BatchRun.run(
          jobs.map { job in
            var job = job
            job.options.webhookURL = hook
            return job
          }, session: session,
          options: .init(maxParallel: maxParallel, json: json, copyDirectory: download))
      }
      if code != 0 { throw ExitCode(code) }
    }
  }

  /// Every job of the file, each checked (its source file too) before any is sent.
  func readJobs() throws -> [BatchJob] {
    let text: String
    let directory: String
    if file == "-" {
      text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
      directory = FileManager.default.currentDirectoryPath
    } else {
      guard let data = FileManager.default.contents(atPath: file) else {
        throw CommandFailure(message: "cannot read \(file)", code: ExitStatus.invalidInput)
      }
      text = String(decoding: data, as: UTF8.self)
      directory = URL(fileURLWithPath: file).deletingLastPathComponent().path
    }
    let entries: [BatchFile.Entry]
    do { entries = try BatchFile.parse(text) } catch {
      throw CommandFailure(message: "\(file): \(error.description)", code: ExitStatus.invalidInput)
    }
    return try entries.map { entry in
      var source: MediaInput?
      if let given = entry.source {
        let isLocal = !given.contains(":") && !given.hasPrefix("/")
        let path = isLocal ? directory + "/" + given : given
        do { source = try SourceMedia.parse(path, mode: entry.endpoint.mode, inline: inline) } catch let failure
          as CommandFailure
        {
          throw CommandFailure(
            message: "\(file): line \(entry.line), column \(entry.sourceColumn ?? 1): \(failure.message)",
            code: failure.code)
        }
      }
      var request = MagiRequest(endpoint: entry.endpoint, fields: entry.fields)
      request.sourceURL = source?.validationStandIn
      return BatchJob(request: request, source: source, label: "line \(entry.line)")
    }
  }
}
