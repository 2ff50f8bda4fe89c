#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import FalProtocol
import Foundation
import HistoryStore
import StudioCore
import TerminalScreen

/// Browses the local history of generations: every job ever submitted from this machine.
struct HistoryCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "history", abstract: "List, show, delete and export past generations.",
    subcommands: [List.self, Show.self, Remove.self, Export.self], defaultSubcommand: List.self)

  /// Filters shared by `list` and `export`.
  struct Filters: ParsableArguments {
    @Option(name: [.short, .long], help: "Only prompts containing this text (case-insensitive).") var search: String?
    @Option(help: "Only this status (repeatable): submitting, queued, running, completed, failed, cancelled, lost, unknown (a submit whose reply was lost).")
    var status: [GenerationStatus] = []
    @Option(help: "Only this mode (repeatable): text-to-video, image-to-video, extend-video.") var mode: [MagiMode] = []
    @Option(help: ArgumentHelp("Only generations created on or after this day (YYYY-MM-DD, UTC).", valueName: "day"))
    var since: String?
    @Option(help: ArgumentHelp("Only generations created before this day (YYYY-MM-DD, UTC).", valueName: "day"))
    var until: String?

    func query(offset: Int = 0, limit: Int = Int.max) throws -> HistoryQuery {
      HistoryQuery(
        text: search, statuses: status.isEmpty ? nil : Set(status), modes: mode.isEmpty ? nil : Set(mode),
        createdFrom: try since.map(Self.day), createdBefore: try until.map(Self.day), offset: offset, limit: limit)
    }

    static func day(_ text: String) throws -> Date {
      let parts = text.split(separator: "-").compactMap { Int($0) }
      guard parts.count == 3, (1...12).contains(parts[1]), (1...31).contains(parts[2]) else {
        throw ValidationError("'\(text)' is not a day: use YYYY-MM-DD")
      }
      var components = DateComponents()
      (components.year, components.month, components.day) = (parts[0], parts[1], parts[2])
      var calendar = Calendar(identifier: .gregorian)
      calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
      guard let date = calendar.date(from: components) else { throw ValidationError("'\(text)' is not a day") }
      return date
    }
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List generations, newest first.")
    @OptionGroup var filters: Filters
    @Option(help: "How many to show.") var limit = 20
    @Option(help: "How many to skip (paging).") var offset = 0
    @Flag(help: "Print JSON Lines of summaries on stdout.") var json = false

    @OptionGroup var store: StoreOptions

    func run() async throws {
      try await reportingFailures {
        let (history, _) = try await LocalHistory.open(store)
        let page = await history.query(try filters.query(offset: offset, limit: limit))
        for summary in page.summaries {
          if json {
            Console.stdout(
              GenerateCommand.jsonString([
                "id": .string(summary.id), "created": .string(Timestamp.format(summary.createdAt)),
                "status": .string(summary.status.rawValue), "mode": .string(summary.mode.rawValue),
                "model": .string(summary.model.rawValue), "prompt": .string(summary.prompt),
              ]))
          } else {
            let prompt = TerminalText.sanitizedLine(summary.prompt)
            Console.stdout(
              "\(summary.id)  \(Self.day(summary.createdAt))  \(summary.status.rawValue.padding(10))  \(summary.mode.rawValue.padding(14))  \(prompt.prefix(60))"
            )
          }
        }
        if !json {
          let shown = page.summaries.isEmpty ? "no generations" : "\(offset + 1)–\(offset + page.summaries.count)"
          Console.line("\(shown) of \(page.totalMatches)\(page.hasMore ? " (--offset \(offset + page.summaries.count) for more)" : "")")
        }
      }
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
        let parameters = (record.input.objectValue ?? [:]).filter { !["prompt", "image_url", "video_url"].contains($0.key) }
        if !parameters.isEmpty {
          lines.append("params:    " + parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\(String(decoding: $0.value.encoded(), as: UTF8.self))" }.joined(separator: " "))
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
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete a generation from the history.")
    @Argument(help: "History id (or a unique prefix).") var id: String
    @Flag(help: "Also delete its downloaded video.") var deleteVideo = false

    @OptionGroup var store: StoreOptions

    func run() async throws {
      try await reportingFailures {
        let record = try await HistoryLookup.find(id, store: store)
        let (history, _) = try await LocalHistory.open(store)
        let deletion = try await history.delete(id: record.id, removeVideo: deleteVideo)
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
        let count: Int
        if let output {
          count = try await history.export(to: output, matching: try filters.query())
        } else {
          count = try await history.export(toFileDescriptor: 1, matching: try filters.query())
        }
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
    return try await studio { try await history.find(id) }
  }
}

extension String {
  func padding(_ width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }
}
