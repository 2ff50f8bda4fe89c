import ArgumentParser
import CursesTerminal
import DedicatedThreads
import FalClient
import Foundation
import HistoryStore
import StudioCore

#if canImport(Glibc)
  import Glibc
#endif

/// Opens a finished video where the user is: xdg-open with a display; over ssh, the path, the URL
/// on the clipboard (through tmux inside tmux, else OSC 52), a link (OSC 8) and the scp command.
struct OpenCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "open", abstract: "Open a generated video (or say how to get it, over ssh).")

  @Argument(help: "History id (or a unique prefix) or fal request id.") var id: String
  @OptionGroup var store: StoreOptions

  func run() async throws {
    try await reportingFailures {
      let record = try await HistoryLookup.find(id, store: store)
      let environment = ProcessInfo.processInfo.environment
      let launcher = Launcher(environment: environment, allowedDirectories: store.paths.ownDirectories)
      let target = Launcher.Target(localPath: record.localFile?.path, url: record.result?.videoURL)
      // `xdg-open` may not return until the viewer exits: its wait is a thread's own, not the pool's.
      let outcome = try await DedicatedThread.run(named: "magi-open") { launcher.open(target) }
      guard case .notOpened(let report) = outcome else {
        Console.line(outcome.message)
        return
      }
      var urlNote: String?
      // The clipboard and link sequences go to a terminal only, never into a pipe or file (and a
      // script piping the output does not want the clipboard changed either).
      if let url = report.copyURL, isatty(1) == 1 {
        let terminal = OuterTerminal(environment: Credentials.scrubbed(environment)) { Console.escapes($0) }
        let copied = await terminal.copy(url)
        urlNote = copied.note(aboutURL: url)
        // On a line of its own, so its label shows where it belongs.
        Console.escapes(TerminalEscapes.hyperlink(url, label: "link"), terminator: "\n")
      }
      Console.line(report.message(url: urlNote))
      if record.localFile == nil, record.result == nil {
        throw CommandFailure(message: "\(record.id) has no video (\(record.status.rawValue))", code: 1)
      }
    }
  }
}

/// Picks up every job the studio left unfinished: queued or running when it stopped, or finished
/// but not yet downloaded.
struct ResumeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "resume",
    abstract: "Follow jobs left unfinished by an earlier run to their end, and download their videos.")

  @Flag(help: "Print the resumed records as JSON Lines on stdout.") var json = false
  @Flag(
    help:
      "Also send again the submits whose reply was lost (state unknown). Check first that fal has no such job: each one sent again may be a second billed job."
  )
  var retryUnknownSubmit = false
  @Argument(help: "With --retry-unknown-submit: only these history ids (default: every one of unknown outcome).")
  var ids: [String] = []
  @OptionGroup var connection: ConnectionOptions
  @OptionGroup var store: StoreOptions

  func validate() throws {
    if !ids.isEmpty, !retryUnknownSubmit {
      throw ValidationError("history ids are taken only with --retry-unknown-submit")
    }
  }

  func run() async throws {
    try await reportingFailures {
      try await Session.using(connection, store: store, quiet: json, events: JobEventPrinter(labelled: true)) {
        session in
        var failures = 0
        if retryUnknownSubmit {
          for id in try await unknownRecordIDs(session) {
            do {
              let record = try await studio { try await session.jobs.resubmit(recordID: id) }
              Console.line("\(id): sent again as \(record.requestID ?? "?")")
            } catch let failure as CommandFailure {
              failures += 1
              Console.line("\(id): \(failure.message)")
            }
          }
        }
        let results = await session.jobs.resumeUnfinished()
        if results.isEmpty, failures == 0 { Console.line("nothing to resume") }
        for (id, result) in results {
          switch result {
          case .success(let record):
            Console.stdout(
              json
                ? GenerateCommand.jsonString(RecordJSON.object(record))
                : "\(id)  \(StatusCommand.describe(record).replacing("\n", with: "  "))")
          case .failure(.busy):
            Console.line("\(id): being resumed by another process; skipped")
          case .failure(let error):
            failures += 1
            Console.line("\(id): \(error.description)")
          }
        }
        if !retryUnknownSubmit {
          // Never resent unasked: say what is waiting for the user's decision.
          for id in try await unknownRecordIDs(session) {
            Console.line(
              "\(id): the submit may have reached fal; its reply was lost. If fal has no such job, send it again with: magi-studio resume --retry-unknown-submit \(id)"
            )
          }
        }
        if failures > 0 {
          throw CommandFailure(message: "\(failures) job(s) could not be resumed", code: ExitStatus.serverFailure)
        }
      }
    }
  }

  /// Records of unknown submit outcome: the ids given (each must be one), or all of them.
  private func unknownRecordIDs(_ session: Session) async throws -> [String] {
    guard ids.isEmpty else {
      var found: [String] = []
      for id in ids { found.append(try await studio { try await session.jobs.resolve(id: id) }.id) }
      return found
    }
    let page = await session.history.query(HistoryQuery(statuses: [.unknown], limit: Int.max))
    return page.summaries.map(\.id).reversed()
  }
}
