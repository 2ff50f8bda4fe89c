import ArgumentParser
import FalProtocol
import Foundation
import HistoryStore
import StudioCore
import TerminalScreen

#if canImport(Glibc)
  import Glibc
#endif

/// Browses the local history of generations: every job ever submitted from this machine.
struct HistoryCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "history", abstract: "List, show, delete and export past generations.",
    subcommands: [List.self, Show.self, Remove.self, Export.self], defaultSubcommand: List.self)

  /// Filters shared by `list` and `export`.
  struct Filters: ParsableArguments {
    @Option(name: [.short, .long], help: "Only prompts containing this text (case-insensitive).") var search: String?
    @Option(
      help:
        "Only this status (repeatable): submitting, queued, running, completed, failed, cancelled, lost, unknown (a submit whose reply was lost)."
    )
    var status: [GenerationStatus] = []
    @Option(help: "Only this mode (repeatable): text-to-video, image-to-video, extend-video.") var mode: [MagiMode] = []
    @Option(help: "Only this model (repeatable): distilled, full.") var model: [MagiModel] = []
    @Option(
      help: ArgumentHelp(
        "Only generations created on or after this day (YYYY-MM-DD, UTC) or within this age (30m, 12h, 2d, 1w).",
        valueName: "day"))
    var since: String?
    @Option(help: ArgumentHelp("Only generations created before this day (YYYY-MM-DD, UTC) or age.", valueName: "day"))
    var until: String?

    func validate() throws {
      for day in [since, until].compactMap({ $0 }) { _ = try Self.day(day) }
    }

    /// Whether any filter is set (an empty answer then says how many there are in all).
    var isFiltering: Bool {
      search != nil || !status.isEmpty || !mode.isEmpty || !model.isEmpty || since != nil || until != nil
    }

    func query(offset: Int = 0, limit: Int = Int.max) throws -> HistoryQuery {
      HistoryQuery(
        text: search, statuses: status.isEmpty ? nil : Set(status), modes: mode.isEmpty ? nil : Set(mode),
        models: model.isEmpty ? nil : Set(model), createdFrom: try since.map(Self.day),
        createdBefore: try until.map(Self.day), offset: offset, limit: limit)
    }

    /// A day or an age, read as the studio's history filter reads `since:` and `until:`
    /// (``HistoryFilter/date(_:now:)``): `YYYY-MM-DD` exactly, a day that exists, in the years the
    /// history can hold (`--since 10000-01-01` once matched everything, and `2026-02-31` meant
    /// March 3rd), or `2d`.
    static func day(_ text: String) throws -> Date {
      guard let date = HistoryFilter.date(text, now: Date()) else {
        throw ValidationError(
          "'\(text)' is not a day: use YYYY-MM-DD (a day of the calendar, years 0000 to 9999) or an age such as 2d")
      }
      return date
    }
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List generations, newest first.")
    @OptionGroup var filters: Filters
    @Option(help: "How many to show.") var limit = 20
    @Option(help: "How many to skip (paging).") var offset = 0
    @Flag(help: "Print JSON Lines of summaries on stdout.") var json = false
    @Option(
      help: ArgumentHelp(
        "Only the jobs of this batch (the id `generate` with variations and `batch` print).", valueName: "id"))
    var batch: String?

    @OptionGroup var store: StoreOptions

    func validate() throws {
      if let batch, GenerationRunner.batchCreated(batch) == nil {
        throw ValidationError("--batch '\(batch)' is not a batch id (24 hex digits, as `batch` prints it)")
      }
      guard limit >= 0 else { throw ValidationError("--limit must be 0 or more, not \(limit)") }
      guard offset >= 0 else { throw ValidationError("--offset must be 0 or more, not \(offset)") }
    }

    func run() async throws {
      try await reportingFailures {
        let (history, _) = try await LocalHistory.open(store)
        let page =
          if let batch {
            try await Self.batchPage(batch, in: history, filters: filters, offset: offset, limit: limit)
          } else { await history.query(try filters.query(offset: offset, limit: limit)) }
        for summary in page.summaries {
          if json {
            var object: [String: JSONValue] = [
              "id": .string(summary.id), "created": .string(Timestamp.format(summary.createdAt)),
              "status": .string(summary.status.rawValue), "mode": .string(summary.mode.rawValue),
              "model": .string(summary.model.rawValue), "prompt": .string(summary.prompt),
            ]
            if let batch { object["batch"] = .string(batch) }
            Console.stdout(GenerateCommand.jsonString(.object(object)))
          } else {
            // Console.stdout makes each field inert; the prompt is cut after that, on characters.
            let prompt = TerminalText.sanitizedLine(summary.prompt)
            Console.stdout(
              "\(summary.id)  \(Self.day(summary.createdAt))  \(summary.status.rawValue.padding(10))  \(summary.mode.rawValue.padding(14))  \(prompt.prefix(60))"
            )
          }
        }
        if !json {
          let total = filters.isFiltering || batch != nil ? await history.count : page.totalMatches
          Console.line(Self.footer(page, offset: offset, limit: limit, total: total))
        }
      }
    }

    /// One page of a batch's records that match `filters`. A batch id is made before its first
    /// record, so only records created since then are read in full.
    static func batchPage(_ batch: String, in history: HistoryStore, filters: Filters, offset: Int, limit: Int)
      async throws -> HistoryPage
    {
      var query = try filters.query()
      if let made = GenerationRunner.batchCreated(batch) {
        // A millisecond's rounding aside, nothing of the batch is older than its id.
        let from = made.addingTimeInterval(-1)
        query.createdFrom = max(query.createdFrom ?? from, from)
      }
      var members: [HistorySummary] = []
      for summary in await history.query(query).summaries {
        let record: GenerationRecord?
        do { record = try await history.record(id: summary.id) } catch {
          throw CommandFailure(message: error.description, code: 1)
        }
        if record?.batchID == batch { members.append(summary) }
      }
      let shown = Array(members.dropFirst(offset).prefix(limit))
      return HistoryPage(summaries: shown, totalMatches: members.count, offset: offset, limit: limit)
    }

    /// The line under a list: which rows were shown, and when none were, why not.
    static func footer(_ page: HistoryPage, offset: Int, limit: Int, total: Int) -> String {
      let matches = page.totalMatches
      let plural = { (count: Int) in "\(count) generation\(count == 1 ? "" : "s")" }
      guard page.summaries.isEmpty else {
        let more = page.hasMore ? " (--offset \(offset + page.summaries.count) for more)" : ""
        return "\(offset + 1)–\(offset + page.summaries.count) of \(matches)\(more)"
      }
      if total == 0 { return "no generations yet" }
      if matches == 0 { return "no generations match (\(plural(total)) in the history)" }
      if limit == 0 {
        return "none shown (--limit 0): \(matches == total ? plural(matches) : "\(matches) of \(plural(total)) match")"
      }
      return
        "none past --offset \(offset): \(matches == total ? plural(matches) : "\(matches) of \(plural(total)) match")"
    }

    /// `2026-11-27 14:05` (UTC): minutes are enough to tell runs apart in a list.
    static func day(_ date: Date) -> String {
      String(Timestamp.format(date).prefix(16)).replacing("T", with: " ")
    }
  }

  struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show one generation in full.")
    @Argument(help: "History id (or a unique prefix) or fal request id.") var id: String
    @Flag(help: "Print the record as JSON on stdout.") var json = false

    @OptionGroup var store: StoreOptions

    func run() async throws {
      try await reportingFailures {
        let record = try await HistoryLookup.find(id, store: store)
        if json {
          Console.stdout(GenerateCommand.jsonString(RecordJSON.object(record)))
          return
        }
        var lines = [
          "id:        \(record.id)",
          "status:    \(StatusCommand.describe(record).split(separator: "\n").first ?? "")",
          "mode:      \(record.mode.rawValue) (\(record.model.rawValue)) → \(record.endpointID)",
          "prompt:    \(record.prompt)",
          "created:   \(List.day(record.createdAt))",
        ]
        if let request = record.requestID { lines.append("request:   \(request)") }
        if let source = record.source { lines.append("source:    \(source.given)") }
        let parameters = (record.input.objectValue ?? [:]).filter {
          !["prompt", "image_url", "video_url"].contains($0.key)
        }
        if !parameters.isEmpty {
          lines.append(
            "params:    "
              + parameters.sorted { $0.key < $1.key }.map {
                "\($0.key)=\(String(decoding: $0.value.encoded(), as: UTF8.self))"
              }.joined(separator: " "))
        }
        if let result = record.result {
          lines.append("video:     \(result.videoURL)")
          if let seed = result.seed { lines.append("seed:      \(seed)") }
        }
        if let local = record.localFile { lines.append("file:      \(local.path)") }
        if let billing = record.billing {
          lines.append("billing:   \(Figures.units(billing.units)) units, about \(Figures.dollars(billing.cost ?? 0))")
        } else if record.result != nil {
          lines.append("billing:   units unknown")
        }
        if let parent = record.parentID { lines.append("extends:   \(parent)") }
        if let failure = record.failure { lines.append("error:     \(failure.type): \(failure.message)") }
        for change in record.transitions { lines.append("  \(List.day(change.at))  \(change.status.rawValue)") }
        for line in lines { Console.stdout(TerminalText.sanitizedLines(line).joined(separator: " ")) }
        for entry in record.logs { Console.log(entry) }
      }
    }
  }

  struct Remove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "rm", abstract: "Delete a generation from the history.")
    @Argument(help: "History id (or a unique prefix).") var id: String
    @Flag(help: "Also delete its downloaded video.") var deleteVideo = false

    @OptionGroup var store: StoreOptions

    func run() async throws {
      try await reportingFailures {
        let record = try await HistoryLookup.find(id, store: store)
        let (history, _) = try await LocalHistory.open(store)
        let deletion = try await history.delete(
          id: record.id, removeVideo: deleteVideo, videosDirectory: store.paths.videos)
        JobLogFiles(directory: store.paths.data + "/logs").remove(record.id)
        Console.stdout("deleted \(record.id)")
        if deleteVideo { Console.line("video: \(deletion.video)") }
      }
    }
  }

  struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Export generations as a JSON array.")
    @OptionGroup var filters: Filters
    @Option(name: [.short, .long], help: ArgumentHelp("Write to this file instead of stdout.", valueName: "file"))
    var output: String?

    @OptionGroup var store: StoreOptions

    func run() async throws {
      try await reportingFailures {
        let (history, _) = try await LocalHistory.open(store)
        let known = await history.warnings.count
        let count: Int
        if let output {
          count = try await history.export(to: output, matching: try filters.query())
        } else {
          count = try await history.export(toFileDescriptor: 1, matching: try filters.query())
        }
        await HistoryLookup.reportWarnings(of: history, after: known)
        Console.line("exported \(count) generation\(count == 1 ? "" : "s")")
      }
    }
  }
}

extension GenerationStatus: ExpressibleByArgument {}

/// Finds a record without opening the network (history-only commands).
enum HistoryLookup {
  static func find(_ id: String, store: StoreOptions) async throws -> GenerationRecord {
    let (history, _) = try await LocalHistory.open(store)
    let known = await history.warnings.count
    let record = try await studio { try await history.find(id) }
    await reportWarnings(of: history, after: known)
    return record
  }

  /// Lines found damaged after the open (a record's latest snapshot that could not be read, so
  /// its last valid one was shown), said once each like those found while opening.
  static func reportWarnings(of history: HistoryStore, after known: Int) async {
    for warning in await history.warnings.dropFirst(known) { Console.line("history: \(warning)") }
  }
}

extension String {
  func padding(_ width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }
}
