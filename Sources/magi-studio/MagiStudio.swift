import ArgumentParser
import Foundation
import QuietExecutor

/// `magi-studio`: generate videos with fal.ai's MAGI-1 models from a terminal or a script.
@main
struct MagiStudio: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "magi-studio",
    abstract: "Generate videos with fal.ai's MAGI-1 models: image-to-video, text-to-video, video extension.",
    // ArgumentParser wraps each line on its own: a paragraph is one line, a table row fits in 80.
    discussion: """
      With FAL_KEY set, requests go to fal.ai. Without it, the studio runs on its embedded fal emulator (OFFLINE: nothing is billed, videos are test renders).

      Exit codes:
        0    done
        1    any other failure
        64   invalid input: an argument, a value, a missing or unreadable file, or the app refused the input
        65   the model's content policy refused the prompt or the image
        66   preview, compare: a record has no video, or its file is missing, still downloading or undecodable
        69   the server or the network failed (after retries), or the job failed
        73   cannot create what is needed (the data directory is not writable)
        74   local I/O error (reading or writing a file, disk full)
        75   outcome unknown: the submit may have reached fal, its reply was lost
        77   the key was refused (authentication or authorisation)
        124  the job did not start within --start-timeout; nothing ran
        130  cancelled (Ctrl-C, or the job was cancelled)
      """,
    version: "0.1.0",
    subcommands: [
      StudioCommand.self, GenerateCommand.self, StatusCommand.self, ResultCommand.self, CancelCommand.self,
      HistoryCommand.self, BatchCommand.self,
      OpenCommand.self, PreviewCommand.self, CompareCommand.self, ResumeCommand.self, UploadCommand.self,
      EmulatorCommand.self,
    ],
    defaultSubcommand: StudioCommand.self
  )

  /// Puts every task on `QuietExecutor` before the first one runs, then parses and runs as
  /// ArgumentParser's own `main` does.
  ///
  /// libdispatch's global queues, Swift's default executor on Linux, keep a 1 s timer going once any
  /// task has run on them, so an idle studio would never sleep through. On the main actor, so that
  /// nothing has hopped to the global executor yet. `MAGI_STUDIO_DISPATCH_EXECUTOR=1` keeps Swift's
  /// default (to compare, or to rule the executor out).
  @MainActor
  static func main() async {
    if ProcessInfo.processInfo.environment["MAGI_STUDIO_DISPATCH_EXECUTOR"] != "1" {
      QuietExecutor.installAsDefault()
    }
    let arguments = Array(CommandLine.arguments.dropFirst())
    do {
      var command = try await asyncParseAsRoot(arguments)
      if var asyncCommand = command as? AsyncParsableCommand {
        try await asyncCommand.run()
      } else {
        try command.run()
      }
    } catch {
      let code = exitCode(for: error)
      // Help and version print as ArgumentParser has them; our own failures have printed their line.
      guard code != .success, !(error is ExitCode) else { exit(withError: error) }
      let text = message(for: error)
      Console.error(code == .validationFailure ? oneLine(text, arguments: arguments) : text)
      exit(withError: ExitCode(code.rawValue))
    }
  }

  /// A usage error as one line: the problem, then where help is (ArgumentParser prints three or
  /// four lines: the error, the option's help, the usage and a pointer to `--help`).
  static func oneLine(_ message: String, arguments: [String]) -> String {
    let problem = message.split(whereSeparator: \.isNewline).first.map(String.init) ?? "invalid arguments"
    let first = problem.prefix(1).lowercased() + problem.dropFirst()
    return "\(first) (see: \(helpCommand(for: arguments)))"
  }

  /// `magi-studio [subcommand…] --help` for the subcommands named at the start of `arguments`.
  static func helpCommand(for arguments: [String]) -> String {
    var names = [configuration.commandName ?? "magi-studio"]
    var level: [any ParsableCommand.Type] = configuration.subcommands
    for argument in arguments {
      guard let match = level.first(where: { $0.configuration.commandName == argument }) else { break }
      names.append(argument)
      level = match.configuration.subcommands
    }
    return (names + ["--help"]).joined(separator: " ")
  }
}
