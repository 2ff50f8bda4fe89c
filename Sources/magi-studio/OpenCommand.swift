#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import HistoryStore
import StudioCore

/// Opens a finished video where the user is: xdg-open with a display; over ssh, the path, the URL
/// on the clipboard (OSC 52) and a link (OSC 8).
struct OpenCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "open", abstract: "Open a generated video (or say how to get it, over ssh).")

  @Argument(help: "History id (or a unique prefix) or fal request id.") var id: String
  @OptionGroup var store: StoreOptions

  func run() async throws {
    try await reportingFailures {
      let record = try await HistoryLookup.find(id, store: store)
      let environment = ProcessInfo.processInfo.environment
      let paths = store.paths
      // The clipboard and link sequences go to the terminal only, never into a pipe or file.
      let launcher = Launcher(
        environment: environment, allowedDirectories: paths.ownDirectories, escapesReachTerminal: isatty(1) == 1)
      let outcome = launcher.open(.init(localPath: record.localFile?.path, url: record.result?.videoURL))
      if !outcome.escapes.isEmpty { Console.stdout(outcome.escapes) }
      Console.line(outcome.message)
      if case .reported = outcome.action, record.localFile == nil, record.result == nil {
        throw CommandFailure(message: "\(record.id) has no video (\(record.status.rawValue))", code: 1)
      }
    }
  }
}

/// Picks up every job the studio left unfinished: queued or running when it stopped, or finished
/// but not yet downloaded.
struct ResumeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "resume", abstract: "Follow jobs left unfinished by an earlier run to their end, and download their videos.")

  @Flag(help: "Print the resumed records as JSON Lines on stdout.") var json = false
  @OptionGroup var connection: ConnectionOptions
  @OptionGroup var store: StoreOptions

  func run() async throws {
    try await reportingFailures {
      try await Session.using(connection, store: store, quiet: json, events: EventPrinter(labelled: true)) { session in
        let results = await session.jobs.resumeUnfinished()
        if results.isEmpty { Console.line("nothing to resume") }
        var failures = 0
        for (id, result) in results {
          switch result {
          case .success(let record):
            Console.stdout(json ? GenerateCommand.jsonString(RecordJSON.object(record)) : "\(id)  \(StatusCommand.describe(record).replacing("\n", with: "  "))")
          case .failure(let error):
            failures += 1
            Console.line("\(id): \(error.description)")
          }
        }
        if failures > 0 { throw CommandFailure(message: "\(failures) job(s) could not be resumed", code: ExitStatus.serverFailure) }
      }
    }
  }
}
