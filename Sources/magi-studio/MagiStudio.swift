import ArgumentParser
import Foundation
import QuietExecutor

/// `magi-studio`: generate videos with fal.ai's MAGI-1 models from a terminal or a script.
@main
struct MagiStudio: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "magi-studio",
    abstract: "Generate videos with fal.ai's MAGI-1 models: image-to-video, text-to-video, video extension.",
    discussion: """
      With FAL_KEY set, requests go to fal.ai. Without it, the studio runs on its embedded fal
      emulator (OFFLINE: nothing is billed, videos are test renders).

      Exit codes: 0 done, 1 other failure, 64 invalid input, 69 server or network failure,
      77 authentication failure, 130 cancelled.
      """,
    version: "0.1.0",
    subcommands: [
      StudioCommand.self, GenerateCommand.self, StatusCommand.self, ResultCommand.self, CancelCommand.self, HistoryCommand.self,
      OpenCommand.self, ResumeCommand.self, UploadCommand.self, EmulatorCommand.self,
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
    await main(nil)
  }
}
